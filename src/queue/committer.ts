import type { Clock } from "../clock";
import type { Database } from "../db/client";
import { commitsAtOnce, endsPerCommit, finishJob, type JobRow, rescheduleJob } from "../db/jobs";
import { isStorageFailure, transact, type Writer } from "../db/transaction";
import type { Logger } from "../log";
import { requestIdOf, withRequestId } from "../request-id";
import { type Decision, decide, type RetryPolicy } from "./policy";
import type { Job, JobHandler, JobObserver, JobResult } from "./types";

/** An attempt that has ended, waiting for its end to be committed. */
export type Ended = { row: JobRow; job: Job; handler: JobHandler; result: JobResult; committed: () => void };

type CommitterOptions = {
  db: Database;
  clock: Clock;
  logger: Logger;
  policy: RetryPolicy;
  owner: string;
  observer?: JobObserver | undefined;
  /** A job was put back to wait until `runAt`, committed: the engine looks again then. */
  onRescheduled?: (runAt: number) => void;
};

const RETRY_MAX_MS = 30_000;
/**
 * Ends committed together at most: the write lock is shared with the webhook's connection, which must
 * never wait long for it (spec: webhook p99 < 20 ms while the worker drains at full speed). The database
 * may want fewer (`endsPerCommit`).
 */
const MAX_BATCH = 16;

/**
 * Commits the ends of attempts: the policy's decision, the handler's effects and the job's new state,
 * together or not at all. Ends that arrive in one turn of the event loop share one commit (one fsync),
 * each in its own savepoint, so one job's failing effects roll back alone.
 */
export class Committer {
  #queue: Ended[] = [];
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #scheduled = false;
  /** Commits under way: one where the database has one writer, a few where commits run side by side. */
  #flushing = 0;
  /** After a failed commit, none is tried before this time (no commit loop against a full disk). */
  #pausedUntil = 0;

  constructor(private readonly options: CommitterOptions) {}

  add(ended: Ended): void {
    this.#queue.push(ended);
    this.#schedule(0);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  /** A flush after this turn of the event loop (or after `delayMs`, to back off), if one may start. */
  #schedule(delayMs: number): void {
    if (this.#scheduled || this.#flushing >= commitsAtOnce(this.options.db)) return;
    this.#scheduled = true;
    delayMs = Math.max(delayMs, this.#pausedUntil - Date.now());
    const flush = (): void => {
      this.#scheduled = false;
      this.#timer = undefined;
      void this.#flush();
    };
    if (delayMs <= 0) setImmediate(flush);
    else this.#timer = setTimeout(flush, delayMs);
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, Math.min(MAX_BATCH, endsPerCommit(this.options.db)));
    if (batch.length === 0) return;
    const { db, clock, logger } = this.options;
    const now = clock.now();
    const rescheduled: number[] = [];
    this.#flushing++;
    // Where commits run side by side, the next batch need not wait for this one.
    if (this.#queue.length > 0) this.#schedule(0);
    try {
      // Relaxed: the claim that came before is durable, so a completion lost to a power cut leaves the job
      // leased, and whoever takes it over finds out what happened before repeating anything (spec).
      await transact(
        db,
        async (tx) => {
          // Each end's lines (and the jobs its effects queue) carry the request id of the text behind it.
          for (const ended of batch)
            await withRequestId(requestIdOf(ended.job.payload), () =>
              this.#commitOne(tx, ended, now, rescheduled),
            );
        },
        "relaxed",
      );
    } catch (error) {
      // The database itself failed (disk full, I/O error): nothing of the batch committed. The jobs stay
      // leased and their results are kept; committing is tried again with growing pauses, never in a loop.
      this.#failures++;
      const delay = Math.min(RETRY_MAX_MS, 250 * 2 ** this.#failures);
      logger.error("queue.commit_failed", { jobs: batch.length, retryInMs: delay, error: String(error) });
      this.#queue.unshift(...batch);
      this.#pausedUntil = Date.now() + delay;
      this.#flushing--;
      this.#schedule(delay);
      return;
    }
    this.#flushing--;
    this.#failures = 0;
    for (const at of rescheduled) this.options.onRescheduled?.(at);
    for (const ended of batch) ended.committed();
    // The rest go in the next turn of the event loop, after the lock has been free for a moment.
    if (this.#queue.length > 0) this.#schedule(0);
  }

  async #commitOne(tx: Writer, ended: Ended, now: number, rescheduled: number[]): Promise<void> {
    const { policy, logger } = this.options;
    const { row } = ended;
    try {
      await transact(tx, (inner) =>
        this.#apply(inner, ended, decide(row, ended.result, now, policy), now, rescheduled),
      );
      return;
    } catch (error) {
      if (error instanceof LeaseLost) {
        logger.warn("queue.lease_lost", { id: row.id, kind: row.kind });
        return;
      }
      // The database failed, not the job's effects (SQLite may even have rolled the whole batch back): fail
      // the batch, keep every result, and commit again later.
      if (isStorageFailure(tx, error)) throw error;
      ended.result = { kind: "fault", reason: `commit: ${describe(error)}` };
    }
    try {
      await transact(tx, (inner) =>
        this.#apply(inner, ended, decide(row, ended.result, now, policy), now, rescheduled),
      );
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
    }
  }

  async #apply(
    tx: Writer,
    ended: Ended,
    decision: Decision,
    now: number,
    rescheduled: number[],
  ): Promise<void> {
    const { row, job, handler, result } = ended;
    const { logger, owner } = this.options;
    await result.write?.(tx);
    const fields = { id: row.id, kind: row.kind, attempts: row.attempts };
    const erasePayload = handler.erasePayload === true;
    switch (decision.kind) {
      case "finish": {
        const detail = result.kind === "done" ? result.detail : null;
        const outcome = result.kind === "done" && result.refused ? "refused" : "completed";
        const finish = { state: "done", outcome, detail, lastError: null, erasePayload } as const;
        if (!(await finishJob(tx, row, owner, finish, now))) throw new LeaseLost();
        await this.options.observer?.(tx, { kind: row.kind, outcome, detail });
        logger.debug("queue.done", { ...fields, detail });
        return;
      }
      case "reschedule": {
        const reason = result.kind === "done" ? "" : result.reason;
        const uncertain = result.kind === "fault" || (result.kind === "retry" && result.uncertain === true);
        const retry = { runAt: decision.runAt, lastError: reason, fault: decision.fault, uncertain };
        if (!(await rescheduleJob(tx, row, owner, retry))) throw new LeaseLost();
        rescheduled.push(decision.runAt);
        logger.warn("queue.retry", { ...fields, reason, fault: decision.fault, inMs: decision.runAt - now });
        return;
      }
      case "give_up": {
        const { cause, reason, retryAt, fault } = decision;
        const lastReason = result.kind === "done" ? "" : result.reason;
        await handler.onGiveUp?.(job, { cause, reason, lastReason, retryAt }, tx);
        const failed = {
          state: "failed",
          outcome: "gave_up",
          detail: null,
          lastError: reason,
          erasePayload,
          fault,
        } as const;
        if (!(await finishJob(tx, row, owner, failed, now))) throw new LeaseLost();
        await this.options.observer?.(tx, { kind: row.kind, outcome: "gave_up", detail: null });
        logger.error("queue.failed", { ...fields, reason });
        return;
      }
    }
  }
}

/** The job was taken over (its lease ran out): its effects roll back, the new holder decides. */
class LeaseLost extends Error {
  override name = "LeaseLost";
}

/** One line for logs: the error's class and message, and its cause's. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  return `${error.name}: ${error.message}${cause}`;
}
