import { afterEach, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/clock";
import { parseConfig } from "../../src/config";
import { openDatabase } from "../../src/db/client";
import { silentLogger } from "../../src/log";
import { createSandbox } from "../../src/sandbox/sandbox";
import { createService } from "../../src/service";
import { createTwilioSms } from "../../src/sms/send";
import { createXGateway } from "../../src/x/client";
import { type AppProcess, freePort, runAppToExit, startAppProcess } from "../support/process";
import { startTestService, type TestService, testConfig } from "../support/service";

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

  it("should not mount the stand-ins even when handed them", async () => {
    const sandboxConfig = parseConfig({ PORT: "3999", DATABASE_PATH: join(tempDir(), "sandbox.db") });
    if (!sandboxConfig.ok) throw new Error(sandboxConfig.problems.join("; "));
    svc = await startTestService();
    const production = await createService({
      config: testConfig({ x: svc.x, twilio: svc.twilio, databasePath: svc.dbPath }),
      db: openDatabase(":memory:"),
      clock: systemClock,
      logger: silentLogger,
      x: createXGateway(sandboxConfig.config.x),
      sms: createTwilioSms({ ...sandboxConfig.config.twilio, statusCallback: "https://app.test/sms/status" }),
      sandbox: createSandbox(sandboxConfig.config),
    });
    for (const path of SANDBOX_PATHS) {
      const response = await production.app.handle(new Request(`http://app.test${path}`));
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    const landing = await (await production.app.handle(new Request("http://app.test/"))).text();
    expect(landing).not.toContain("Sandbox mode");
  });
});
