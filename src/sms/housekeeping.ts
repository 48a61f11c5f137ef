import { eq, lt } from "drizzle-orm";
import { textLane } from "../db/inbound";
import { addJob, queuedInLane } from "../db/jobs";
import { enqueueText } from "../db/outbound";
import { DEFAULT_RETENTION_DAYS, pruneExpired } from "../db/retention";
import { texters } from "../db/schema";
import { transact } from "../db/transaction";
import type { JobHandler, JobResult } from "../queue/types";
import type { StepDeps } from "./commands/step";
import { closeThread, THREAD_TTL_MS } from "./commands/thread";
import { replies } from "./replies";

export const HOUSEKEEPING_JOB = "housekeeping";
export const THREAD_EXPIRY_JOB = "thread_expiry";

const DAY_MS = 24 * 60 * 60_000;

type ExpiryPayload = { phone: string };

/**
 * The periodic sweep: threads left open for a day get an expiry job in their number's text lane (so it
 * cannot race a part arriving), and finished rows past retention (jobs, texts without their bodies,
 * hashed MessageSids, post ids, expired links) are pruned.
 */
export function housekeepingJob(
  deps: Pick<StepDeps, "db" | "clock">,
  retentionDays = DEFAULT_RETENTION_DAYS,
): JobHandler {
  const retentionMs = retentionDays * DAY_MS;
  const { db, clock } = deps;
  return {
    async run(): Promise<JobResult> {
      const now = clock.now();
      const stale = db
        .select({ phone: texters.phone })
        .from(texters)
        .where(lt(texters.threadOpenedAt, now - THREAD_TTL_MS))
        .all();
      transact(db, (tx) => {
        for (const { phone } of stale) {
          const lane = textLane(phone);
          if (queuedInLane(tx, lane).some((job) => job.kind === THREAD_EXPIRY_JOB)) continue;
          addJob(tx, { kind: THREAD_EXPIRY_JOB, lane, payload: { phone } }, now);
        }
      });
      const pruned = transact(db, (tx) => pruneExpired(tx, now - retentionMs));
      const counts = Object.entries(pruned).map(([name, n]) => ` ${name}:${n}`);
      return { kind: "done", detail: `threads:${stale.length} pruned${counts.join("")}` };
    },
  };
}

/** Discards a thread left open for a day, texting its owner; a no-op if it was closed meanwhile. */
export function threadExpiryJob(deps: Pick<StepDeps, "db" | "clock">): JobHandler<ExpiryPayload> {
  const { db, clock } = deps;
  return {
    async run(job): Promise<JobResult> {
      const { phone } = job.payload;
      const now = clock.now();
      const texter = db
        .select({ openedAt: texters.threadOpenedAt })
        .from(texters)
        .where(eq(texters.phone, phone))
        .get();
      if (!texter || texter.openedAt === null || texter.openedAt >= now - THREAD_TTL_MS) {
        return { kind: "done", detail: "still_fresh" };
      }
      return {
        kind: "done",
        detail: "expired",
        write: (tx) => {
          const parts = closeThread(tx, phone);
          enqueueText(tx, { phone, body: replies.threadExpired(parts) }, now);
        },
      };
    },
    erasePayload: true,
  };
}
