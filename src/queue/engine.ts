import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Clock } from "../clock";
import type { Database } from "../db/client";
import {
  addJob,
  claimJobs,
  finishJob,
  type JobRow,
  leaseOwners,
  releaseLeasesOf,
  renewLeases,
  rescheduleJob,
} from "../db/jobs";
import { isStorageFailure, transact, type Writer } from "../db/transaction";
import type { Logger } from "../log";
import { type Decision, decide, type RetryPolicy } from "./policy";
import type { Job, JobHandler, JobResult } from "./types";

export type EngineOptions = {
  db: Database;
  clock: Clock;
  logger: Logger;
  policy: RetryPolicy;
  /** Jobs worked at once, across all lanes. */
  concurrency: number;
  /** How often to look for work that came due without a wake (a backoff ending, another process's insert). */
  pollMs: number;
  /** How long a lease lasts without renewal: the longest a dead process's jobs wait for another. */
  leaseMs: number;
};

type Settling = { row: JobRow; job: Job; handler: JobHandler; result: JobResult; done: () => void };

const SETTLE_RETRY_MAX_MS = 30_000;

/**
 * The durable job engine: leases due jobs in one transaction, runs the handler registered for each kind,
 * and applies the one failure policy (`decide`). It knows nothing of what the jobs do.
 * Completions that end in the same turn of the event loop share one commit.
 */
export class Engine {
  /** host/pid/process start time/nonce: enough for a successor on this host to tell that it died. */
  readonly owner =
    `${hostname()}/${process.pid}/${startTimeOf(process.pid) ?? "?"}/${crypto.randomUUID().slice(0, 8)}`;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #running = new Set<Promise<void>>();
  readonly #settling: Settling[] = [];
  #settleFailures = 0;
  #settleTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeQueued = false;
  #stopped = true;
  #timers: ReturnType<typeof setInterval>[] = [];
  readonly #schedules: { kind: string; everyMs: number }[] = [];

  constructor(private readonly options: EngineOptions) {}

  register<P>(kind: string, handler: JobHandler<P>): this {
    this.#handlers.set(kind, handler as JobHandler);
    return this;
  }

  /**
   * Runs `kind` once per `everyMs`, across every process sharing the database: each process offers the
   * job for the current interval and the dedupe key lets only the first offer in.
   */
  schedule(kind: string, everyMs: number): this {
    this.#schedules.push({ kind, everyMs });
    return this;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#releaseDeadPredecessors();
    const { pollMs, leaseMs } = this.options;
    this.#timers = [
      setInterval(() => this.wake(), pollMs),
      setInterval(() => this.#renew(), Math.max(50, Math.floor(leaseMs / 3))),
      ...this.#schedules.map(({ kind, everyMs }) => setInterval(() => this.#offer(kind, everyMs), everyMs)),
    ];
    for (const { kind, everyMs } of this.#schedules) this.#offer(kind, everyMs);
    this.wake();
  }

  /** Something was queued: look for due work once this turn of the event loop is over (wakes coalesce). */
  wake(): void {
    if (this.#stopped || this.#wakeQueued) return;
    this.#wakeQueued = true;
    setImmediate(() => {
      this.#wakeQueued = false;
      this.#claim();
    });
  }

  /** Resolves when nothing is running or waiting to commit (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#running.size > 0) {
        await Promise.allSettled([...this.#running]);
        continue;
      }
      // A finished job may have queued another (a post its reply): claim what is due before calling it idle.
      this.#claim();
      if (this.#running.size === 0) return;
    }
  }

  /** Takes no more work and waits for the jobs in flight to finish and commit. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.idle();
    clearTimeout(this.#settleTimer);
  }

  get running(): number {
    return this.#running.size;
  }

  #claim(): void {
    const { db, clock, concurrency, leaseMs, logger } = this.options;
    const room = concurrency - this.#running.size;
    if (this.#stopped || room <= 0) return;
    const now = clock.now();
    let rows: JobRow[];
    try {
      rows = transact(db, (tx) => claimJobs(tx, this.owner, now, now + leaseMs, room));
    } catch (error) {
      logger.error("queue.claim_failed", { error: String(error) });
      return;
    }
    for (const row of rows) this.#launch(row);
  }

  #launch(row: JobRow): void {
    const handler = this.#handlers.get(row.kind) ?? missingHandler(row.kind);
    const run = (async (): Promise<void> => {
      let job: Job = { ...row, payload: {} };
      let result: JobResult;
      try {
        job = { ...row, payload: JSON.parse(row.payload) as unknown };
        result = await handler.run(job);
      } catch (error) {
        result = { kind: "fault", reason: describe(error) };
      }
      await new Promise<void>((done) => this.#queueSettle({ row, job, handler, result, done }));
    })();
    this.#running.add(run);
    void run.finally(() => {
      this.#running.delete(run);
      this.wake();
    });
  }

  #queueSettle(item: Settling): void {
    this.#settling.push(item);
    if (this.#settling.length === 1 && this.#settleTimer === undefined) setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#settleTimer = undefined;
    const batch = this.#settling.splice(0);
    if (batch.length === 0) return;
    const { db, clock, logger } = this.options;
    const now = clock.now();
    try {
      transact(db, (tx) => {
        for (const item of batch) this.#settleOne(tx, item, now);
      });
    } catch (error) {
      // The database itself failed (disk full, I/O error): nothing of the batch committed. The jobs stay
      // leased and their results are kept; committing is tried again with growing pauses, never in a loop.
      this.#settleFailures++;
      const delay = Math.min(SETTLE_RETRY_MAX_MS, 250 * 2 ** this.#settleFailures);
      logger.error("queue.commit_failed", { jobs: batch.length, retryInMs: delay, error: String(error) });
      this.#settling.unshift(...batch);
      this.#settleTimer = setTimeout(() => this.#flush(), delay);
      return;
    }
    this.#settleFailures = 0;
    for (const item of batch) item.done();
  }

  /** One job's end, in a savepoint: effects that fail roll back alone and the job counts a fault. */
  #settleOne(tx: Writer, item: Settling, now: number): void {
    const { policy, logger } = this.options;
    const { row } = item;
    let decision = decide(row, item.result, now, policy);
    try {
      transact(tx, (inner) => this.#apply(inner, item, decision, now));
      return;
    } catch (error) {
      if (error instanceof LeaseLost) {
        logger.warn("queue.lease_lost", { id: row.id, kind: row.kind });
        return;
      }
      // The database failed, not the job's effects (SQLite may even have rolled the whole batch back): fail
      // the batch, keep every result, and commit again later.
      if (isStorageFailure(this.options.db, error)) throw error;
      const fault: JobResult = { kind: "fault", reason: `commit: ${describe(error)}` };
      decision = decide(row, fault, now, policy);
      item.result = fault;
    }
    try {
      transact(tx, (inner) => this.#apply(inner, item, decision, now));
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
    }
  }

  #apply(tx: Writer, item: Settling, decision: Decision, now: number): void {
    const { row, job, handler, result } = item;
    const { logger } = this.options;
    result.write?.(tx);
    const fields = { id: row.id, kind: row.kind, attempts: row.attempts };
    switch (decision.kind) {
      case "finish": {
        const detail = result.kind === "done" ? result.detail : null;
        const outcome = result.kind === "done" && result.refused ? "refused" : "completed";
        const erasePayload = !!handler.erasePayload;
        const finish = { state: "done", outcome, detail, lastError: null, erasePayload } as const;
        if (!finishJob(tx, row, this.owner, finish, now)) throw new LeaseLost();
        logger.debug("queue.done", { ...fields, detail });
        return;
      }
      case "reschedule": {
        const reason = result.kind === "done" ? "" : result.reason;
        const retry = { runAt: decision.runAt, lastError: reason, fault: decision.fault };
        if (!rescheduleJob(tx, row, this.owner, retry)) throw new LeaseLost();
        logger.warn("queue.retry", { ...fields, reason, fault: decision.fault, inMs: decision.runAt - now });
        return;
      }
      case "give_up": {
        const { cause, reason, retryAt } = decision;
        const lastReason = result.kind === "done" ? "" : result.reason;
        handler.onGiveUp?.(job, { cause, reason, lastReason, retryAt }, tx);
        const failed = {
          state: "failed",
          outcome: "gave_up",
          detail: null,
          lastError: decision.reason,
          erasePayload: !!handler.erasePayload,
          fault: decision.fault,
        } as const;
        if (!finishJob(tx, row, this.owner, failed, now)) throw new LeaseLost();
        logger.error("queue.failed", { ...fields, reason: decision.reason });
        return;
      }
    }
  }

  #offer(kind: string, everyMs: number): void {
    const { db, clock, logger } = this.options;
    const now = clock.now();
    try {
      const dedupeKey = `${kind}@${Math.floor(now / everyMs)}`;
      const added = transact(db, (tx) => addJob(tx, { kind, lane: null, dedupeKey }, now));
      if (added !== null) this.wake();
    } catch (error) {
      logger.error("queue.schedule_failed", { kind, error: String(error) });
    }
  }

  #renew(): void {
    const { db, clock, leaseMs, logger } = this.options;
    if (this.#running.size === 0) return;
    try {
      transact(db, (tx) => renewLeases(tx, this.owner, clock.now() + leaseMs));
    } catch (error) {
      logger.error("queue.renew_failed", { error: String(error) });
    }
  }

  /**
   * A process killed on this host left its leases behind; waiting for them to run out would hold its
   * numbers' texts for a whole lease. Same host, and a pid that is gone or now belongs to a process started
   * at another time (a container's pid 1 after a restart), means dead. Other hosts' leases run out.
   */
  #releaseDeadPredecessors(): void {
    const { db, logger } = this.options;
    try {
      transact(db, (tx) => {
        for (const owner of leaseOwners(tx)) {
          const [host, pid, started] = owner.split("/");
          if (host !== hostname() || owner === this.owner) continue;
          if (pidAlive(Number(pid)) && startTimeOf(Number(pid)) === (started ?? null)) continue;
          const released = releaseLeasesOf(tx, owner);
          logger.warn("queue.released_dead_leases", { owner, jobs: released });
        }
      });
    } catch (error) {
      logger.error("queue.release_failed", { error: String(error) });
    }
  }
}

class LeaseLost extends Error {
  override name = "LeaseLost";
}

function missingHandler(kind: string): JobHandler {
  return {
    run: async () => ({ kind: "fault", reason: `no handler registered for job kind "${kind}"` }),
  };
}

/** The process's start time in clock ticks since boot (Linux), which tells a reused pid apart. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed child its parent has not reaped yet still answers signal 0: a zombie runs nothing.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** One line for logs: the error's class and message, and its cause's. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  return `${error.name}: ${error.message}${cause}`;
}
