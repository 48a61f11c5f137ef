import { describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config";
import { chooseMode } from "../src/mode";
import { parseSandboxConfig } from "../src/sandbox/config";
import { loadSandboxKey } from "../src/sandbox/settings";

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
    expect(config.database).toEqual({ dialect: "sqlite", path: "./data/smstweet.db" });
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

  it("should read the worker's concurrency and the cost guard's caps, with the spec's defaults", () => {
    const defaults = parseConfig(valid);
    if (!defaults.ok) throw new Error(defaults.problems.join("; "));
    expect(defaults.config.workerConcurrency).toBe(64);
    expect(defaults.config.limits).toEqual({
      perNumberPerHour: 30,
      globalPerHour: 1000,
      linksPerHour: 100,
      linksPerNumberPerDay: 3,
      helpPerNumberPerHour: 3,
      postsPerNumberPerDay: 100,
    });
    const set = parseConfig({
      ...valid,
      WORKER_CONCURRENCY: "8",
      MAX_TEXTS_PER_NUMBER_PER_HOUR: "5",
      MAX_TEXTS_PER_HOUR: "50",
      MAX_LINKS_PER_HOUR: "7",
      MAX_LINKS_PER_NUMBER_PER_DAY: "2",
      MAX_HELP_PER_NUMBER_PER_HOUR: "1",
      MAX_POSTS_PER_NUMBER_PER_DAY: "250",
    });
    if (!set.ok) throw new Error(set.problems.join("; "));
    expect(set.config.workerConcurrency).toBe(8);
    expect(set.config.limits).toEqual({
      perNumberPerHour: 5,
      globalPerHour: 50,
      linksPerHour: 7,
      linksPerNumberPerDay: 2,
      helpPerNumberPerHour: 1,
      postsPerNumberPerDay: 250,
    });
    expect(Object.isFrozen(set.config.limits)).toBe(true);
  });

  it("should report malformed counts together with every other problem", () => {
    const result = parseConfig({ ...valid, WORKER_CONCURRENCY: "0", MAX_TEXTS_PER_HOUR: "lots", PORT: "x" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join("\n")).toContain("WORKER_CONCURRENCY must be a whole number from 1 to 10000");
    expect(result.problems.join("\n")).toContain("MAX_TEXTS_PER_HOUR");
  });

  it("should report every malformed cap at once, each by its name", () => {
    const result = parseConfig({
      ...valid,
      MAX_LINKS_PER_NUMBER_PER_DAY: "0",
      MAX_HELP_PER_NUMBER_PER_HOUR: "three",
      MAX_POSTS_PER_NUMBER_PER_DAY: "1.5",
      PORT: "x",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(4);
    for (const name of [
      "MAX_LINKS_PER_NUMBER_PER_DAY",
      "MAX_HELP_PER_NUMBER_PER_HOUR",
      "MAX_POSTS_PER_NUMBER_PER_DAY",
    ]) {
      expect(result.problems).toContainEqual(
        expect.stringMatching(new RegExp(`^${name} must be a whole number`)),
      );
    }
  });

  it("should read RETENTION_DAYS, 30 by default, and report a bad one with every other problem", () => {
    const defaults = parseConfig(valid);
    if (!defaults.ok) throw new Error(defaults.problems.join("; "));
    expect(defaults.config.retentionDays).toBe(30);
    const set = parseConfig({ ...valid, RETENTION_DAYS: " 7 " });
    if (!set.ok) throw new Error(set.problems.join("; "));
    expect(set.config.retentionDays).toBe(7);
    for (const bad of ["0", "-3", "1.5", "a week", "36501"]) {
      const result = parseConfig({ ...valid, RETENTION_DAYS: bad, PORT: "x" });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toHaveLength(2);
      expect(result.problems.join("\n")).toContain(
        `RETENTION_DAYS must be a whole number from 1 to 36500, not "${bad}"`,
      );
    }
  });

  it("should read DRAIN_SECONDS, 5 by default and 0 allowed, and report a bad one with every other problem", () => {
    const defaults = parseConfig(valid);
    if (!defaults.ok) throw new Error(defaults.problems.join("; "));
    expect(defaults.config.drainSeconds).toBe(5);
    const none = parseConfig({ ...valid, DRAIN_SECONDS: "0" });
    if (!none.ok) throw new Error(none.problems.join("; "));
    expect(none.config.drainSeconds).toBe(0);
    for (const bad of ["-1", "2.5", "soon", "301"]) {
      const result = parseConfig({ ...valid, DRAIN_SECONDS: bad, PORT: "x" });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toHaveLength(2);
      expect(result.problems.join("\n")).toContain(
        `DRAIN_SECONDS must be a whole number from 0 to 300, not "${bad}"`,
      );
    }
  });

  it("should read ROLE, all by default, web or worker in any case, and report any other with every other problem", () => {
    const defaults = parseConfig(valid);
    if (!defaults.ok) throw new Error(defaults.problems.join("; "));
    expect(defaults.config.role).toBe("all");
    for (const [value, role] of [
      ["web", "web"],
      ["Worker", "worker"],
      ["ALL", "all"],
    ] as const) {
      const result = parseConfig({ ...valid, ROLE: value });
      if (!result.ok) throw new Error(result.problems.join("; "));
      expect(result.config.role).toBe(role);
    }
    for (const bad of ["both", "webworker", "auth"]) {
      const result = parseConfig({ ...valid, ROLE: bad, PORT: "x" });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toHaveLength(2);
      expect(result.problems.join("\n")).toContain(`ROLE must be one of all, web, worker, not "${bad}"`);
    }
  });

  it("should read METRICS_TOKEN, unset by default, and report a short one with every other problem", () => {
    const defaults = parseConfig(valid);
    if (!defaults.ok) throw new Error(defaults.problems.join("; "));
    expect(defaults.config.metricsToken).toBeUndefined();
    const set = parseConfig({ ...valid, METRICS_TOKEN: " 0123456789abcdef0123 " });
    if (!set.ok) throw new Error(set.problems.join("; "));
    expect(set.config.metricsToken).toBe("0123456789abcdef0123");
    for (const bad of ["short", "sixteen chars ok but spaced"]) {
      const result = parseConfig({ ...valid, METRICS_TOKEN: bad, PORT: "x" });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems).toHaveLength(2);
      expect(result.problems.join("\n")).toContain(
        "METRICS_TOKEN must be at least 16 characters without spaces",
      );
    }
  });

  it("should read the previous token key after a rotation, and leave it unset otherwise", () => {
    const previous = Buffer.alloc(32, 9);
    const rotated = parseConfig({ ...valid, TOKEN_ENCRYPTION_KEY_PREVIOUS: previous.toString("base64") });
    if (!rotated.ok) throw new Error(rotated.problems.join("; "));
    expect(rotated.config.previousTokenEncryptionKey).toEqual(new Uint8Array(previous));
    const plain = parseConfig({ ...valid, TOKEN_ENCRYPTION_KEY_PREVIOUS: " " });
    expect(plain.ok && plain.config.previousTokenEncryptionKey).toBeUndefined();
  });

  it("should report a malformed or unchanged previous key alongside every other problem", () => {
    const malformed = parseConfig({
      ...valid,
      TOKEN_ENCRYPTION_KEY: "c2hvcnQ=",
      TOKEN_ENCRYPTION_KEY_PREVIOUS: "not base64 at all!",
      PORT: "-1",
    });
    expect(malformed.ok).toBe(false);
    if (malformed.ok) return;
    expect(malformed.problems).toHaveLength(3);
    expect(malformed.problems.filter((p) => p.startsWith("TOKEN_ENCRYPTION_KEY_PREVIOUS "))).toHaveLength(1);
    expect(malformed.problems.filter((p) => p.startsWith("TOKEN_ENCRYPTION_KEY "))).toHaveLength(1);

    const unchanged = parseConfig({ ...valid, TOKEN_ENCRYPTION_KEY_PREVIOUS: KEY, LOG_LEVEL: "loud" });
    expect(unchanged.ok).toBe(false);
    if (unchanged.ok) return;
    expect(unchanged.problems).toHaveLength(2);
    expect(unchanged.problems.join("\n")).toContain("TOKEN_ENCRYPTION_KEY_PREVIOUS is the same as");
    expect(unchanged.problems.join("\n")).not.toContain(KEY);
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

  it("should never fall back to the sandbox: no credentials is a list of what is missing", () => {
    const result = parseConfig({});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toContain("TWILIO_AUTH_TOKEN is required");
  });
});

describe("choosing the entry for bun run start", () => {
  it("should choose the sandbox without any credential, or when SMSTWEET_SANDBOX=1 asks, and never when 0", () => {
    expect(chooseMode({})).toBe("sandbox");
    expect(chooseMode({ PUBLIC_URL: "https://x.example", X_CLIENT_ID: " " })).toBe("sandbox");
    expect(chooseMode({ X_CLIENT_ID: "id" })).toBe("production");
    expect(chooseMode(valid)).toBe("production");
    expect(chooseMode({ SMSTWEET_SANDBOX: "0" })).toBe("production");
    // Asked for with credentials: the sandbox's own config refuses it (below), naming them.
    expect(chooseMode({ ...valid, SMSTWEET_SANDBOX: "yes" })).toBe("sandbox");
    // Unreadable: production's config reports it with every other problem.
    expect(chooseMode({ SMSTWEET_SANDBOX: "maybe" })).toBe("production");
    const unreadable = parseConfig({ ...valid, SMSTWEET_SANDBOX: "maybe" });
    expect(unreadable.ok ? [] : unreadable.problems).toEqual([
      "SMSTWEET_SANDBOX must be 1 (sandbox) or 0 (never sandbox)",
    ]);
  });
});

describe("parseSandboxConfig (the sandbox's entry)", () => {
  const keys: string[] = [];
  const fakeKey = (path: string): Uint8Array => {
    keys.push(path);
    return new Uint8Array(32).fill(1);
  };

  it("should start the sandbox on loopback, with its own database and the app's own stand-ins", () => {
    const result = parseSandboxConfig({}, { loadSandboxKey: fakeKey });
    if (!result.ok) throw new Error(result.problems.join("; "));
    const { config } = result;
    expect(config.mode).toBe("sandbox");
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe("http://127.0.0.1:3000");
    expect(config.database).toEqual({ dialect: "sqlite", path: "./data/sandbox.db" });
    expect(keys.at(-1)).toBe("./data/sandbox.key");
    expect(config.x.apiUrl).toBe("http://127.0.0.1:3000/sandbox/x");
    expect(config.x.authorizeUrl).toBe("http://127.0.0.1:3000/sandbox/x/i/oauth2/authorize");
    expect(config.twilio.apiUrl).toBe("http://127.0.0.1:3000/sandbox/twilio");
    expect(config.twilio.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.twilio)).toBe(true);
  });

  it("should follow PORT, HOST and PUBLIC_URL, and call itself on loopback", () => {
    const result = parseSandboxConfig(
      { PORT: "4100", HOST: "0.0.0.0", PUBLIC_URL: "https://demo.example.org" },
      { loadSandboxKey: fakeKey },
    );
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.x.apiUrl).toBe("http://127.0.0.1:4100/sandbox/x");
    expect(result.config.x.authorizeUrl).toBe("https://demo.example.org/sandbox/x/i/oauth2/authorize");
  });

  it("should refuse an explicit sandbox request alongside any real credential, naming it", () => {
    for (const name of [
      "TWILIO_ACCOUNT_SID",
      "TWILIO_AUTH_TOKEN",
      "TWILIO_PHONE_NUMBER",
      "TWILIO_MESSAGING_SERVICE_SID",
      "X_CLIENT_ID",
      "X_CLIENT_SECRET",
    ]) {
      const result = parseSandboxConfig(
        { SMSTWEET_SANDBOX: "1", [name]: "real-secret-value" },
        { loadSandboxKey: fakeKey },
      );
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.problems.join("\n")).toContain(name);
      expect(result.problems.join("\n")).toContain("SMSTWEET_SANDBOX");
      expect(result.problems.join("\n")).not.toContain("real-secret-value");
    }
    expect(parseConfig({ ...valid, SMSTWEET_SANDBOX: "true" }).ok).toBe(false);
  });

  it("should never run with credentials, DATABASE_URL or SMSTWEET_SANDBOX=0, even when started directly", () => {
    for (const env of [
      { X_CLIENT_ID: "id" },
      valid,
      { DATABASE_URL: "postgres://db.example/smstweet" },
      { SMSTWEET_SANDBOX: "0" },
    ]) {
      const result = parseSandboxConfig(env, { loadSandboxKey: fakeKey });
      expect({ env, ok: result.ok }).toEqual({ env, ok: false });
    }
    const forced = parseConfig({ SMSTWEET_SANDBOX: "0" });
    expect(forced.ok).toBe(false);
    if (!forced.ok) expect(forced.problems.join("\n")).toContain("TWILIO_ACCOUNT_SID");
    const production = parseConfig(valid);
    expect(production.ok && production.config.mode).toBe("production");
  });

  it("should not use a previous token key in sandbox mode", () => {
    const result = parseSandboxConfig(
      { TOKEN_ENCRYPTION_KEY_PREVIOUS: Buffer.alloc(32, 9).toString("base64") },
      { loadSandboxKey: fakeKey },
    );
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.config.mode).toBe("sandbox");
    expect(result.config.previousTokenEncryptionKey).toBeUndefined();
  });

  it("should keep sandbox data out of the production database file", () => {
    const result = parseSandboxConfig({ DATABASE_PATH: "./data/smstweet.db" }, { loadSandboxKey: fakeKey });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toContain("DATABASE_PATH");
  });

  it("should create the sandbox key once and read the same key after a restart", () => {
    const path = join(mkdtempSync(join(tmpdir(), "smstweet-key-")), "sandbox.key");
    const first = loadSandboxKey(path);
    expect(first.byteLength).toBe(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadSandboxKey(path)).toEqual(first);
    expect(readFileSync(path, "utf8").trim()).toBe(Buffer.from(first).toString("base64"));
  });
});
