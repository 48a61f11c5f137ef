import { describe, expect, it } from "bun:test";
import { parseConfig, wantsSandbox } from "../src/config";

const KEY = Buffer.alloc(32, 7).toString("base64");

const valid = {
  PUBLIC_URL: "https://smstweet.example.org",
  TOKEN_ENCRYPTION_KEY: KEY,
  TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "secret",
  TWILIO_PHONE_NUMBER: "+14155550100",
  X_CLIENT_ID: "client",
  X_CLIENT_SECRET: "client-secret",
};

describe("parseConfig", () => {
  it("should read a complete environment into a frozen config with the spec's defaults", () => {
    const result = parseConfig(valid);
    if (!result.ok) throw new Error(result.problems.join("; "));
    const { config } = result;
    expect(config.port).toBe(3000);
    expect(config.host).toBe("0.0.0.0");
    expect(config.databasePath).toBe("./data/smstweet.db");
    expect(config.x.apiUrl).toBe("https://api.x.com");
    expect(config.x.authorizeUrl).toBe("https://x.com/i/oauth2/authorize");
    expect(config.twilio.apiUrl).toBe("https://api.twilio.com");
    expect(config.twilio.sender).toEqual({ phoneNumber: "+14155550100" });
    expect(config.tokenEncryptionKey.byteLength).toBe(32);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.x)).toBe(true);
  });

  it("should report every problem at once", () => {
    const result = parseConfig({
      ...valid,
      PUBLIC_URL: "not a url",
      TOKEN_ENCRYPTION_KEY: "c2hvcnQ=",
      TWILIO_ACCOUNT_SID: "AC123",
      X_CLIENT_SECRET: "",
      PORT: "99999",
      LOG_LEVEL: "loud",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join("\n");
    for (const name of [
      "PUBLIC_URL",
      "TOKEN_ENCRYPTION_KEY",
      "TWILIO_ACCOUNT_SID",
      "X_CLIENT_SECRET",
      "PORT",
      "LOG_LEVEL",
    ]) {
      expect(text).toContain(name);
    }
    expect(result.problems).toHaveLength(6);
  });

  it("should refuse a plain-http public URL except on loopback", () => {
    expect(parseConfig({ ...valid, PUBLIC_URL: "http://smstweet.example.org" }).ok).toBe(false);
    expect(parseConfig({ ...valid, PUBLIC_URL: "http://127.0.0.1:3000" }).ok).toBe(true);
  });

  it("should accept a messaging service instead of a number", () => {
    const result = parseConfig({
      ...valid,
      TWILIO_PHONE_NUMBER: undefined,
      TWILIO_MESSAGING_SERVICE_SID: `MG${"b".repeat(32)}`,
    });
    expect(result.ok && result.config.twilio.sender).toEqual({ messagingServiceSid: `MG${"b".repeat(32)}` });
  });

  it("should take endpoint overrides for stand-ins", () => {
    const result = parseConfig({
      ...valid,
      X_API_URL: "https://127.0.0.1:8443",
      X_AUTHORIZE_URL: "https://127.0.0.1:8443/i/oauth2/authorize",
      TWILIO_API_URL: "https://127.0.0.1:9443/",
    });
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.x.apiUrl).toBe("https://127.0.0.1:8443");
    expect(result.config.x.authorizeUrl).toBe("https://127.0.0.1:8443/i/oauth2/authorize");
    expect(result.config.twilio.apiUrl).toBe("https://127.0.0.1:9443");
  });

  it("should recognise an environment without any credential as sandbox intent", () => {
    expect(wantsSandbox({})).toBe(true);
    expect(wantsSandbox({ PUBLIC_URL: "https://x.example" })).toBe(true);
    expect(wantsSandbox({ X_CLIENT_ID: "id" })).toBe(false);
    const result = parseConfig({});
    expect(result.ok).toBe(false);
  });
});
