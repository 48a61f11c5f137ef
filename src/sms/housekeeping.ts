import { textLane } from "../db/inbound";
import { addJob, queuedInLane } from "../db/jobs";
import { threadsOpenedBefore } from "../db/open-threads";
import { enqueueText } from "../db/outbound";
import { DEFAULT_RETENTION_DAYS, pruneExpired } from "../db/retention";
import { getTexter } from "../db/texters";
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
      const stale = await threadsOpenedBefore(db, now - THREAD_TTL_MS);
      await transact(db, async (tx) => {
        for (const phone of stale) {
          const lane = textLane(phone);
          if ((await queuedInLane(tx, lane)).some((job) => job.kind === THREAD_EXPIRY_JOB)) continue;
          await addJob(tx, { kind: THREAD_EXPIRY_JOB, lane, payload: { phone } }, now);
        }
      });
      const pruned = await transact(db, (tx) => pruneExpired(tx, now - retentionMs));
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
      const openedAt = (await getTexter(db, phone))?.threadOpenedAt ?? null;
      if (openedAt === null || openedAt >= now - THREAD_TTL_MS) {
        return { kind: "done", detail: "still_fresh" };
      }
      return {
        kind: "done",
        detail: "expired",
        write: async (tx) => {
          const parts = await closeThread(tx, phone);
          await enqueueText(tx, { phone, body: replies.threadExpired(parts) }, now);
        },
      };
    },
    erasePayload: true,
  };
}
