import { describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const ROOT = join(import.meta.dir, "..");

describe("starting the app", () => {
  it("should refuse a broken configuration at once with one message naming every problem", async () => {
    const child = Bun.spawn(["bun", "run", "src/index.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        TWILIO_ACCOUNT_SID: "not-a-sid",
        TWILIO_AUTH_TOKEN: "token",
        X_CLIENT_ID: "id",
        PUBLIC_URL: "ftp://example.org/path",
        TOKEN_ENCRYPTION_KEY: "too-short",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
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
