import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { runAppToExit } from "./support/process";

// Each test starts the app as a child process; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

describe("starting the app", () => {
  it("should refuse a broken configuration at once with one message naming every problem", async () => {
    const { code, stderr } = await runAppToExit({
      TWILIO_ACCOUNT_SID: "not-a-sid",
      TWILIO_AUTH_TOKEN: "token",
      X_CLIENT_ID: "id",
      PUBLIC_URL: "ftp://example.org/path",
      TOKEN_ENCRYPTION_KEY: "too-short",
    });
    expect(code).toBe(1);
    for (const name of [
      "PUBLIC_URL",
      "TOKEN_ENCRYPTION_KEY",
      "TWILIO_ACCOUNT_SID",
      "TWILIO_PHONE_NUMBER",
      "X_CLIENT_SECRET",
    ]) {
      expect(stderr).toContain(name);
    }
    expect(stderr).not.toContain("token"); // the auth token's value is never echoed
  });
});
