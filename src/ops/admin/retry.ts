import { getInbound } from "../../db/inbound";
import { failedJobsSince, jobById, retryFailedJob } from "../../db/jobs";
import { getText } from "../../db/outbound";
import { transact, type Writer } from "../../db/transaction";
import type { AdminConfig } from "./config";
import { withDatabase } from "./database";
import { done, type Outcome, refused } from "./report";

const DAY_MS = 24 * 60 * 60_000;

type Retried = { kind: "retried" } | { kind: "refused"; reason: string };

type Payload = { messageId?: number; outboundId?: number; text?: string; refreshToken?: string };

const TEXT_ERASED = "the texter's text was erased when it gave up (they were told it was not posted)";

/**
 * What each kind works on, still stored? A job that gives up erases what it held (spec: a text's body only
 * until its job is finished, and the texter is told), so most give-ups cannot run again; a sweep can.
 */
const STILL_STORED: Record<string, (tx: Writer, payload: Payload) => Promise<string | null>> = {
  housekeeping: async () => null,
  inbound: async (tx, p) => ((await hasBody(tx, p.messageId)) ? null : TEXT_ERASED),
  thread: async (tx, p) => ((await hasBody(tx, p.messageId)) ? null : TEXT_ERASED),
  undo: async (tx, p) => ((await getInbound(tx, p.messageId ?? 0)) ? null : TEXT_ERASED),
  post: async (_, p) => (p.text !== undefined ? null : TEXT_ERASED),
  sms: async (tx, p) =>
    (await getText(tx, p.outboundId ?? 0))?.body ? null : "the text to send was erased when it gave up",
  revoke: async (_, p) => (p.refreshToken ? null : "the tokens to revoke were erased when it gave up"),
  thread_expiry: async () => "a stale thread is found again by the next sweep",
};

async function hasBody(tx: Writer, messageId: number | undefined): Promise<boolean> {
  const message = await getInbound(tx, messageId ?? 0);
  return message !== undefined && (message.body !== "" || message.media.length > 0);
}

/** One failed job back to pending, due now, if what it works on is still stored. */
async function retryOne(tx: Writer, id: number, now: number): Promise<Retried> {
  const row = await jobById(tx, id);
  if (!row) return { kind: "refused", reason: `no job ${id}` };
  if (row.state !== "failed") return { kind: "refused", reason: `job ${id} is ${row.state}, not failed` };
  const check = STILL_STORED[row.kind];
  const gone = check ? await check(tx, JSON.parse(row.payload) as Payload) : `unknown job kind ${row.kind}`;
  if (gone !== null) return { kind: "refused", reason: `job ${id} (${row.kind}) cannot run again: ${gone}` };
  await retryFailedJob(tx, id, now);
  return { kind: "retried" };
}

/** `admin retry <job>`. */
export function retryJob(config: AdminConfig, id: number, now: number): Promise<Outcome> {
  return withDatabase(config.database, async (db) => {
    const result = await transact(db, (tx) => retryOne(tx, id, now));
    if (result.kind === "refused") return refused(result.reason, { job: id });
    return done({ data: { retried: [id] }, lines: [`job ${id} is pending again, due now`] });
  });
}

/** `admin retry --failed`: every failed job younger than RETENTION_DAYS that can run again. */
export function retryFailed(config: AdminConfig, now: number): Promise<Outcome> {
  return withDatabase(config.database, async (db) => {
    const results = await transact(db, async (tx) => {
      const tried: ({ id: number } & Retried)[] = [];
      for (const id of await failedJobsSince(tx, now - config.retentionDays * DAY_MS))
        tried.push({ id, ...(await retryOne(tx, id, now)) });
      return tried;
    });
    const retried = results.filter((r) => r.kind === "retried").map((r) => r.id);
    const skipped = results.flatMap((r) => (r.kind === "refused" ? [{ job: r.id, reason: r.reason }] : []));
    return done({
      data: { retried, skipped },
      tables: [
        { title: "Not retried", columns: ["job", "why"], rows: skipped.map((s) => [s.job, s.reason]) },
      ],
      lines: [`${retried.length} failed job(s) pending again, ${skipped.length} could not run again`],
    });
  });
}
