import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/clock";
import type { Config } from "../../src/config";
import { closeDatabase, type Database, openDatabase } from "../../src/db/client";
import { silentLogger } from "../../src/log";
import { parseSandboxConfig } from "../../src/sandbox/config";
import { sandboxController } from "../../src/sandbox/routes";
import { createSandbox, type Sandbox } from "../../src/sandbox/sandbox";
import { statusCallbackUrl } from "../../src/sms/delivery-report";
import { createTwilioSms } from "../../src/sms/send";
import { createXGateway } from "../../src/x/client";
import { createService, type Service } from "./composed-service";
import { freePort } from "./process";
import { waitFor } from "./wait";

export type SandboxService = {
  url: string;
  config: Config;
  db: Database;
  sandbox: Sandbox;
  service: Service;
  /** Sends a text through the simulator's form, as a browser would; returns the form's answer. */
  simulate(phone: string, body: string): Promise<Response>;
  /** Waits for the `count`th reply to `phone`. */
  nthReply(phone: string, count: number): Promise<string>;
  stop(): Promise<void>;
};

/** The sandbox wired in-process as src/sandbox/main.ts wires it, on a free port and a temp database. */
export async function startSandboxService(): Promise<SandboxService> {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-sandbox-"));
  const parsed = parseSandboxConfig({ PORT: String(freePort()), DATABASE_PATH: join(dir, "sandbox.db") });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const { config } = parsed;
  const db = await openDatabase(config.database);
  const sandbox = createSandbox(config, systemClock);
  const service = await createService({
    config,
    db,
    clock: systemClock,
    logger: silentLogger,
    x: createXGateway(config.x),
    sms: createTwilioSms({ ...config.twilio, statusCallback: statusCallbackUrl(config.publicUrl) }),
    pollMs: 50,
  });
  service.app.use(sandboxController({ sandbox, clock: systemClock, logger: silentLogger }));
  service.app.listen({ port: config.port, hostname: config.host });
  service.delivery.start();
  const url = config.publicUrl;
  return {
    url,
    config,
    db,
    sandbox,
    service,
    simulate: (phone, body) =>
      fetch(`${url}/sandbox/text`, {
        method: "POST",
        body: new URLSearchParams({ phone, body }),
        redirect: "manual",
      }),
    nthReply: (phone, count) =>
      waitFor(() => sandbox.twilio.messagesTo(phone)[count - 1]?.body, `reply #${count} to ${phone}`),
    async stop() {
      await service.app.stop(true);
      await service.delivery.stop();
      await closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Connects `phone` (which must have a link waiting) through the auth page and the fake consent form. */
export async function connectInSandbox(link: string, username: string): Promise<string> {
  const start = await fetch(link, { method: "POST", redirect: "manual" });
  const consentUrl = start.headers.get("location") ?? "";
  const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
  const form = new URLSearchParams(new URL(consentUrl).searchParams);
  form.set("username", username);
  form.set("decision", "allow");
  const consent = await fetch(consentUrl, { method: "POST", body: form, redirect: "manual" });
  const callback = consent.headers.get("location") ?? "";
  const page = await fetch(callback, { headers: { cookie } });
  return page.text();
}
