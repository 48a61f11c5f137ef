import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, systemClock } from "../../src/clock";
import type { Config } from "../../src/config";
import type { DatabaseConfig } from "../../src/config-database";
import { closeDatabase, type Database, openDatabase } from "../../src/db/client";
import type { HttpDeadlines } from "../../src/http/deadlines";
import { createLogger, type Logger, silentLogger } from "../../src/log";
import type { HealthThresholds } from "../../src/ops/health";
import type { RetryPolicy } from "../../src/queue/policy";
import { textApp } from "../../src/sandbox/phone";
import type { StoredPost } from "../../src/sandbox/x";
import { DEFAULT_LIMITS, type Limits } from "../../src/sms/limits";
import { createService, type Service } from "./composed-service";
import { databaseAt } from "./database";
import { PUBLIC_URL, startTwilio, TWILIO_NUMBER, type TwilioFixture } from "./twilio";
import { waitFor } from "./wait";
import { startX, X_CLIENT_ID, X_CLIENT_SECRET, type XHarness } from "./x";

export { PUBLIC_URL } from "./twilio";
export const TEST_KEY = new Uint8Array(32).fill(42);

export const FAST_POLICY: RetryPolicy = { baseMs: 100, maxMs: 400, giveUpAfterMs: 60 * 60_000, maxFaults: 8 };

export type TestService = {
  url: string;
  db: Database;
  dbPath: string;
  x: XHarness;
  twilio: TwilioFixture;
  service: Service;
  /** Texts the service from `from`, signed as Twilio would sign it. */
  text(from: string, body: string, messageSid?: string): Promise<Response>;
  /** A picture message: each attachment is stored on the Twilio stand-in, which Twilio links to. */
  mms(from: string, body: string, pictures: { bytes: Uint8Array; contentType: string }[]): Promise<Response>;
  /** The texts the service sent to `phone`, oldest first. */
  textsTo(phone: string): string[];
  /** Waits until `phone` has received `count` texts; returns the last one. */
  nthTextTo(phone: string, count: number): Promise<string>;
  /** Clicks through the link in the latest text to `phone` and consents at X as `username`. */
  connect(phone: string, username: string): Promise<Response>;
  /** Stops the app and worker; the database file stays for a restart unless `cleanup`. */
  stop(options?: { cleanup?: boolean }): Promise<void>;
};

export function testConfig(overrides: {
  x: XHarness;
  twilio: TwilioFixture;
  databasePath: string;
  /** The database, when not the SQLite file at `databasePath` (see `databaseAt`). */
  database?: DatabaseConfig | undefined;
  /** TOKEN_ENCRYPTION_KEY; TEST_KEY unless a test rotates or loses it. */
  key?: Uint8Array | undefined;
  /** TOKEN_ENCRYPTION_KEY_PREVIOUS. */
  previousKey?: Uint8Array | undefined;
  /** RETENTION_DAYS; 30 unless a test prunes sooner. */
  retentionDays?: number | undefined;
  /** METRICS_TOKEN; unset unless a test scrapes from outside. */
  metricsToken?: string | undefined;
}): Config {
  return Object.freeze({
    mode: "production",
    port: 0,
    host: "127.0.0.1",
    publicUrl: PUBLIC_URL,
    database: overrides.database ?? { dialect: "sqlite" as const, path: overrides.databasePath },
    notices: [],
    tokenEncryptionKey: overrides.key ?? TEST_KEY,
    ...(overrides.previousKey ? { previousTokenEncryptionKey: overrides.previousKey } : {}),
    twilio: Object.freeze({
      accountSid: overrides.twilio.accountSid,
      authToken: overrides.twilio.authToken,
      sender: { phoneNumber: TWILIO_NUMBER },
      apiUrl: overrides.twilio.url,
    }),
    x: Object.freeze({
      clientId: X_CLIENT_ID,
      clientSecret: X_CLIENT_SECRET,
      apiUrl: overrides.x.url,
      authorizeUrl: `${overrides.x.url}/i/oauth2/authorize`,
    }),
    logLevel: "error",
    workerConcurrency: 16,
    limits: DEFAULT_LIMITS,
    retentionDays: overrides.retentionDays ?? 30,
    drainSeconds: 0,
    role: "all",
    ...(overrides.metricsToken ? { metricsToken: overrides.metricsToken } : {}),
  });
}

/** The whole service over real HTTP, with the real X and Twilio clients talking to stand-ins. */
export async function startTestService(
  options: {
    clock?: Clock;
    policy?: RetryPolicy;
    x?: XHarness;
    twilio?: TwilioFixture;
    dbPath?: string;
    /** The cost guard, tightened so a test can reach it; defaults otherwise. */
    limits?: Partial<Limits>;
    /** Worker poll and housekeeping intervals; tests poll fast (50 ms), benchmarks use production's. */
    pollMs?: number;
    housekeepingMs?: number;
    logger?: Logger;
    /** TOKEN_ENCRYPTION_KEY and TOKEN_ENCRYPTION_KEY_PREVIOUS; restart on the same `dbPath` to rotate. */
    key?: Uint8Array;
    previousKey?: Uint8Array;
    /** RETENTION_DAYS. */
    retentionDays?: number;
    /** Body and idle deadlines, shortened so a test of them runs in a moment. */
    deadlines?: Partial<HttpDeadlines>;
    /** METRICS_TOKEN. */
    metricsToken?: string;
    /** When /healthz calls the service unhealthy, shortened so a test sees a stall in a moment. */
    healthThresholds?: Partial<HealthThresholds>;
  } = {},
): Promise<TestService> {
  const x = options.x ?? (await startX(options.clock ? { clock: options.clock } : {}));
  const twilio = options.twilio ?? startTwilio();
  const dbPath = options.dbPath ?? join(mkdtempSync(join(tmpdir(), "smstweet-")), "test.db");
  const database = await databaseAt(dbPath);
  const db = await openDatabase(database);
  const config = testConfig({
    x,
    twilio,
    databasePath: dbPath,
    database,
    key: options.key,
    previousKey: options.previousKey,
    retentionDays: options.retentionDays,
    metricsToken: options.metricsToken,
  });
  const service = await createService({
    config,
    db,
    clock: options.clock ?? systemClock,
    x: x.gateway,
    sms: twilio.sms,
    logger: options.logger ?? (process.env.TEST_LOG ? createLogger("debug") : silentLogger),
    policy: options.policy ?? FAST_POLICY,
    limits: options.limits,
    pollMs: options.pollMs ?? 50,
    housekeepingMs: options.housekeepingMs ?? 50,
    ...(options.deadlines ? { deadlines: options.deadlines } : {}),
    ...(options.healthThresholds ? { healthThresholds: options.healthThresholds } : {}),
  });
  service.app.listen({ port: 0, hostname: "127.0.0.1" });
  service.delivery.start();
  const url = `http://127.0.0.1:${service.app.server?.port}`;
  // Twilio calls PUBLIC_URL/sms/status; this app is that URL's loopback stand-in (a shared stand-in follows restarts).
  twilio.standIn.callbacks.origin = url;

  /** Twilio calling the webhook for a text from `from`, signed against the public URL. */
  const phone = (
    from: string,
    body: string,
    extra: Pick<Parameters<typeof textApp>[1], "messageSid" | "media">,
  ): Promise<Response> =>
    textApp(url, {
      publicUrl: PUBLIC_URL,
      authToken: twilio.authToken,
      accountSid: twilio.accountSid,
      from,
      to: TWILIO_NUMBER,
      body,
      ...extra,
    });
  const textsTo = (phone: string): string[] => twilio.standIn.messagesTo(phone).map((m) => m.body);
  const nthTextTo = (phone: string, count: number): Promise<string> =>
    waitFor(() => textsTo(phone)[count - 1], `text #${count} to ${phone}`);

  return {
    url,
    db,
    dbPath,
    x,
    twilio,
    service,
    textsTo,
    nthTextTo,
    text: (from, body, messageSid) => phone(from, body, messageSid ? { messageSid } : {}),
    mms: (from, body, pictures) =>
      phone(from, body, {
        media: pictures.map((p) => ({
          url: twilio.standIn.addMedia(p.bytes, p.contentType),
          contentType: p.contentType,
        })),
      }),
    async connect(phone, username) {
      const link = linkIn(textsTo(phone).at(-1) ?? "");
      return connectThroughBrowser(url, x, link, username);
    },
    async stop({ cleanup = true } = {}) {
      await service.app.stop(true);
      await service.delivery.stop();
      await closeDatabase(db);
      if (!options.x) await x.stop();
      if (!options.twilio) await twilio.stop();
      if (cleanup && !options.dbPath) rmSync(join(dbPath, ".."), { recursive: true, force: true });
    },
  };
}

/** A service on which `phone` is already connected as `username`: link texted, consent given, "Connected" received. */
export async function startConnected(
  phone: string,
  username: string,
  options: Parameters<typeof startTestService>[0] = {},
): Promise<TestService> {
  const service = await startTestService(options);
  await service.text(phone, "hi");
  await service.nthTextTo(phone, 1);
  await service.connect(phone, username);
  await service.nthTextTo(phone, 2);
  return service;
}

/** What X shows: the posts that were not deleted, oldest first. */
export function livePosts(service: TestService): StoredPost[] {
  return service.x.standIn.posts().filter((post) => !post.deleted);
}

/** The one-time link in a text, moved to the app's loopback origin. */
export function linkIn(text: string): string {
  const match = text.match(/https?:\/\/[^\s/]+\/auth\/[A-Za-z0-9_-]+/);
  if (!match) throw new Error(`No link in "${text}"`);
  return match[0];
}

export function onApp(appUrl: string, publicLink: string): string {
  return publicLink.replace(PUBLIC_URL, appUrl);
}

/** What a phone's browser does: open the link, press the button, consent at X, land on the callback. */
export async function connectThroughBrowser(
  appUrl: string,
  x: XHarness,
  link: string,
  username: string,
): Promise<Response> {
  const page = await fetch(onApp(appUrl, link));
  if (page.status !== 200) return page;
  const start = await fetch(onApp(appUrl, link), { method: "POST", redirect: "manual" });
  const authorizeUrl = start.headers.get("location");
  const cookie = start.headers.get("set-cookie")?.split(";")[0];
  if (start.status !== 303 || !authorizeUrl || !cookie) return start;
  const callback = await x.standIn.approve(authorizeUrl, username);
  return fetch(onApp(appUrl, callback), { headers: { cookie } });
}
