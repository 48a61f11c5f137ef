import { failedJobsSince, jobById, retryFailedJob } from "../../db/jobs";
import { reopenFailedText, SMS_JOB } from "../../db/outbound";
import { transact, type Writer } from "../../db/transaction";
import type { AdminConfig } from "./config";
import { withDatabase } from "./database";
import { done, type Outcome, refused } from "./report";

const DAY_MS = 24 * 60 * 60_000;

type Retried = { kind: "retried" } | { kind: "refused"; reason: string };

/**
 * One failed job back to pending, due now. A text that gave up goes back to pending with it (the send job
 * only sends pending texts); a job whose payload was erased when it gave up has nothing left to run.
 */
function retryOne(tx: Writer, id: number, now: number): Retried {
  const row = jobById(tx, id);
  if (!row) return { kind: "refused", reason: `no job ${id}` };
  if (row.state !== "failed") return { kind: "refused", reason: `job ${id} is ${row.state}, not failed` };
  if (row.kind === SMS_JOB) {
    const { outboundId } = JSON.parse(row.payload) as { outboundId?: number };
    if (outboundId === undefined || !reopenFailedText(tx, outboundId)) {
      return { kind: "refused", reason: `job ${id}'s text carried a one-time link, now void, or is gone` };
    }
  }
  if (!retryFailedJob(tx, id, now)) {
    return {
      kind: "refused",
      reason: `job ${id} (${row.kind}) erased its payload when it gave up: nothing to run`,
    };
  }
  return { kind: "retried" };
}

/** `admin retry <job>`. */
export function retryJob(config: AdminConfig, id: number, now: number): Promise<Outcome> {
  return withDatabase(config.databasePath, (db) => {
    const result = transact(db, (tx) => retryOne(tx, id, now));
    if (result.kind === "refused") return refused(result.reason, { job: id });
    return done({ data: { retried: [id] }, lines: [`job ${id} is pending again, due now`] });
  });
}

/** `admin retry --failed`: every failed job younger than RETENTION_DAYS (older ones are being pruned). */
export function retryFailed(config: AdminConfig, now: number): Promise<Outcome> {
  return withDatabase(config.databasePath, (db) => {
    const results = transact(db, (tx) =>
      failedJobsSince(tx, now - config.retentionDays * DAY_MS).map((id) => ({
        id,
        ...retryOne(tx, id, now),
      })),
    );
    const retried = results.filter((r) => r.kind === "retried").map((r) => r.id);
    const skipped = results.flatMap((r) => (r.kind === "refused" ? [{ job: r.id, reason: r.reason }] : []));
    return done({
      data: { retried, skipped },
      tables: [
        { title: "Not retried", columns: ["job", "why"], rows: skipped.map((s) => [s.job, s.reason]) },
      ],
      lines: [`${retried.length} failed job(s) pending again, ${skipped.length} could not be`],
    });
  });
}
