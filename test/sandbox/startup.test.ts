import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppProcess,
  freePort,
  PRODUCTION_ENTRY,
  runAppToExit,
  startAppProcess,
} from "../support/process";
import { startTestService, type TestService } from "../support/service";

// Tests here start the app as a child process (one twice); a shared 2-core machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const SANDBOX_PATHS = [
  "/sandbox",
  "/sandbox/timeline",
  "/sandbox/x/i/oauth2/authorize",
  "/sandbox/x/2/users/me",
  `/sandbox/twilio/2010-04-01/Accounts/AC${"5a".repeat(16)}/Messages.json`,
];

let app: AppProcess | undefined;
let svc: TestService | undefined;
const dirs: string[] = [];
afterEach(async () => {
  app?.process.kill();
  await app?.process.exited;
  app = undefined;
  await svc?.stop();
  svc = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-start-"));
  dirs.push(dir);
  return dir;
}

describe("starting in sandbox mode", () => {
  it("should serve the sandbox with no credentials, print its URL, and keep its key across restarts", async () => {
    const dir = tempDir();
    const env = { PORT: String(freePort()), DATABASE_PATH: join(dir, "sandbox.db") };
    app = await startAppProcess(env);
    expect(app.output()).toContain(`Open ${app.url}/sandbox`);
    expect((await fetch(`${app.url}/sandbox`)).status).toBe(200);
    const key = readFileSync(join(dir, "sandbox.key"), "utf8");
    app.process.kill();
    await app.process.exited;
    app = await startAppProcess(env);
    expect(readFileSync(join(dir, "sandbox.key"), "utf8")).toBe(key);
  });

  it("should refuse to start when sandbox mode is asked for alongside a real credential", async () => {
    const dir = tempDir();
    const { code, stderr } = await runAppToExit({
      SMSTWEET_SANDBOX: "1",
      TWILIO_AUTH_TOKEN: "a-real-looking-token",
      DATABASE_PATH: join(dir, "sandbox.db"),
      PORT: String(freePort()),
    });
    expect(code).toBe(1);
    expect(stderr).toContain("SMSTWEET_SANDBOX");
    expect(stderr).toContain("TWILIO_AUTH_TOKEN");
    expect(stderr).not.toContain("a-real-looking-token");
    expect(existsSync(join(dir, "sandbox.db"))).toBe(false);
  });
});

describe("production mode", () => {
  it("should never serve /sandbox", async () => {
    svc = await startTestService();
    for (const path of SANDBOX_PATHS) {
      expect({ path, status: (await fetch(`${svc.url}${path}`)).status }).toEqual({ path, status: 404 });
    }
  });

  it("should never fall back to the sandbox from the production entry, which the image runs", async () => {
    const dir = tempDir();
    const { code, stderr } = await runAppToExit(
      { DATABASE_PATH: join(dir, "smstweet.db"), PORT: String(freePort()) },
      PRODUCTION_ENTRY,
    );
    expect(code).toBe(1);
    for (const name of ["PUBLIC_URL", "TOKEN_ENCRYPTION_KEY", "TWILIO_ACCOUNT_SID", "X_CLIENT_ID"]) {
      expect(stderr).toContain(`${name} is required`);
    }
    expect(existsSync(join(dir, "smstweet.db"))).toBe(false);
    expect(existsSync(join(dir, "sandbox.db"))).toBe(false);
  });
});
