import { statSync } from "node:fs";
import { DEFAULT_BACKOFF } from "../src/delivery/backoff";
import { inboundParams, type SignedWebhook, signedWebhook } from "../src/sandbox/phone";
import { PUBLIC_URL, startTestService, type TestService } from "../test/support/service";
import { TWILIO_NUMBER } from "../test/support/twilio";

/** No cost guard: the bench sends far more texts per number and per hour than any texter would. */
const UNLIMITED = { perNumberPerHour: 1e9, globalPerHour: 1e9, linksPerHour: 1e9 };

/** The whole service as the tests start it, but with production's poll, housekeeping and backoff. */
export function startBenchService(): Promise<TestService> {
  return startTestService({
    pollMs: 500,
    housekeepingMs: 60_000,
    backoff: DEFAULT_BACKOFF,
    limits: UNLIMITED,
  });
}

/** `count` distinct E.164 numbers; `offset` keeps sets apart. */
export function phones(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+1415555${String(1000 + offset + i).padStart(4, "0")}`);
}

/** Connects every number the way a texter does: text, follow the link, consent at X, get "Connected". */
export async function connectAll(svc: TestService, numbers: readonly string[], batch = 10): Promise<void> {
  for (let i = 0; i < numbers.length; i += batch) {
    await Promise.all(
      numbers.slice(i, i + batch).map(async (phone) => {
        const before = svc.textsTo(phone).length;
        await (await svc.text(phone, "hi")).text();
        await svc.nthTextTo(phone, before + 1);
        const page = await svc.connect(phone, `bench_${phone.slice(-4)}`);
        if (page.status !== 200) throw new Error(`bench: connecting ${phone} gave HTTP ${page.status}`);
        await svc.nthTextTo(phone, before + 2);
      }),
    );
  }
}

/** A webhook signed ahead of time, so that signing is not part of what is measured. */
export function presign(svc: TestService, from: string, body: string): SignedWebhook {
  const params = inboundParams({ accountSid: svc.twilio.accountSid, from, to: TWILIO_NUMBER, body });
  return signedWebhook({ publicUrl: PUBLIC_URL, authToken: svc.twilio.authToken, params });
}

/** Posts a presigned webhook to the app over loopback; throws unless it is a 200 with TwiML. */
export async function deliver(svc: TestService, hook: SignedWebhook): Promise<void> {
  const response = await fetch(`${svc.url}${hook.path}`, {
    method: "POST",
    headers: hook.headers,
    body: hook.body,
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes("<Response>")) {
    throw new Error(`bench: webhook answered ${response.status}: ${text.slice(0, 80)}`);
  }
}

const countOf = (svc: TestService, sql: string): number =>
  (svc.db.$client.query(sql).get() as { n: number } | null)?.n ?? 0;

export const pendingInbound = (svc: TestService): number =>
  countOf(svc, "SELECT count(*) AS n FROM inbound_messages WHERE status = 'pending'");
export const pendingOutbound = (svc: TestService): number =>
  countOf(svc, "SELECT count(*) AS n FROM outbound_messages WHERE status = 'pending'");

/** The database's size on disk after folding the WAL back in, and how many rows of each queue it holds. */
export function databaseFootprint(svc: TestService): {
  bytes: number;
  walBytes: number;
  inbound: number;
  outbound: number;
} {
  svc.db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const size = (path: string): number => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  return {
    bytes: size(svc.dbPath),
    walBytes: size(`${svc.dbPath}-wal`),
    inbound: countOf(svc, "SELECT count(*) AS n FROM inbound_messages"),
    outbound: countOf(svc, "SELECT count(*) AS n FROM outbound_messages"),
  };
}
