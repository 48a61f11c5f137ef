import type { Clock } from "../clock";
import type { Database } from "../db/client";
import { addJob, claimJobs, type JobRow, leaseOwners, releaseLeasesOf, renewLeases } from "../db/jobs";
import { transact } from "../db/transaction";
import type { JobsSubscription } from "../db/wake";
import type { Logger } from "../log";
import { requestIdOf, withRequestId } from "../request-id";
import { Committer, describe } from "./committer";
import { diedOnThisHost, newOwner } from "./owner";
import type { RetryPolicy } from "./policy";
import type { Job, JobHandler, JobObserver, JobResult } from "./types";

/** How often to look for leases held by a process on this host that died (another host's run out instead). */
const DEAD_OWNER_CHECK_MS = 2_000;
/** The poll while LISTEN tells of new work (500 ms → 5 s): only what a lost notification left behind. */
const IDLE_POLL_FACTOR = 10;
/** setTimeout fires at once past 2^31 - 1 ms; the poll finds anything due that far out. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type EngineOptions = {
  db: Database;
  clock: Clock;
  logger: Logger;
  policy: RetryPolicy;
  /** Jobs of one kind worked at once: a slow X cannot take the slots that answer commands. */
  concurrency: number;
  /** How often to look for work that came due without a wake (a backoff ending, another process's insert). */
  pollMs: number;
  /** How long a lease lasts without renewal: the longest a dead process's jobs wait for another host. */
  leaseMs: number;
  /**
   * Hears of jobs other processes make due (LISTEN/NOTIFY), or resolves null where the database cannot
   * say (then `pollMs` finds them). While subscribed, the poll is only a safety net: `idlePollMs`.
   */
  subscribe?: (wake: () => void) => Promise<JobsSubscription | null>;
  /** The poll while subscribed; ten times `pollMs` if left out. */
  idlePollMs?: number;
  /** Told of every job's end in its commit (metrics); the engine still knows nothing of the kinds. */
  observer?: JobObserver;
};

/**
 * The durable job engine: leases due jobs in one transaction, runs the handler registered for each kind,
 * and hands each end to the committer, which applies the one failure policy. It knows nothing of what
 * the jobs do.
 */
export class Engine {
  readonly owner = newOwner();
  readonly #handlers = new Map<string, JobHandler>();
  readonly #schedules: { kind: string; everyMs: number }[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #runningByKind = new Map<string, number>();
  readonly #committer: Committer;
  #wakeQueued = false;
  #stopped = true;
  #timers: ReturnType<typeof setInterval>[] = [];
  #poll: ReturnType<typeof setInterval> | undefined;
  /** Wakes at the time a job put back to wait comes due (retry backoffs), so no poll has to find it. */
  readonly #dueTimers = new Set<ReturnType<typeof setTimeout>>();
  #subscription: Promise<JobsSubscription | null> = Promise.resolve(null);

  constructor(private readonly options: EngineOptions) {
    this.#committer = new Committer({
      ...options,
      owner: this.owner,
      onRescheduled: (at) => this.#wakeAt(at),
    });
  }

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
    void this.#releaseDeadOwners();
    const { pollMs, leaseMs } = this.options;
    this.#poll = setInterval(() => this.wake(), pollMs);
    this.#subscription = this.#subscribe();
    this.#timers = [
      // Not only at start: a neighbour on this host killed (-9) while this process runs would otherwise hold
      // its texts until its leases run out.
      setInterval(() => void this.#releaseDeadOwners(), Math.max(pollMs, DEAD_OWNER_CHECK_MS)),
      setInterval(() => void this.#renew(), Math.max(50, Math.floor(leaseMs / 3))),
      ...this.#schedules.map(({ kind, everyMs }) =>
        setInterval(() => void this.#offer(kind, everyMs), everyMs),
      ),
    ];
    for (const { kind, everyMs } of this.#schedules) void this.#offer(kind, everyMs);
    this.wake();
  }

  /** Something was queued: look for due work once this turn of the event loop is over (wakes coalesce). */
  wake(): void {
    if (this.#stopped || this.#wakeQueued) return;
    this.#wakeQueued = true;
    // Whoever woke the engine (a webhook, a job) is not the cause of the jobs it claims: no request id.
    setImmediate(() =>
      withRequestId(undefined, () => {
        this.#wakeQueued = false;
        void this.#claim();
      }),
    );
  }

  /** Resolves when nothing is running or waiting to commit (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#running.size > 0) {
        await Promise.allSettled([...this.#running]);
        continue;
      }
      // A finished job may have queued another (a post its reply): claim what is due before calling it idle.
      await this.#claim();
      if (this.#running.size === 0) return;
    }
  }

  /** Takes no more work and waits for the jobs in flight to finish and commit. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    clearInterval(this.#poll);
    for (const timer of this.#dueTimers) clearTimeout(timer);
    this.#dueTimers.clear();
    await (await this.#subscription)?.close().catch(() => {});
    await this.idle();
    this.#committer.stop();
  }

  /** Listens for other processes' jobs; once it hears, polls only as a safety net. */
  async #subscribe(): Promise<JobsSubscription | null> {
    const { subscribe, idlePollMs, logger } = this.options;
    if (subscribe === undefined) return null;
    let subscription: JobsSubscription | null;
    try {
      subscription = await subscribe(() => this.wake());
    } catch (error) {
      logger.error("queue.listen_failed", { error: String(error) });
      return null;
    }
    if (subscription === null) return null;
    if (this.#stopped) {
      await subscription.close().catch(() => {});
      return null;
    }
    clearInterval(this.#poll);
    this.#poll = setInterval(() => this.wake(), idlePollMs ?? this.options.pollMs * IDLE_POLL_FACTOR);
    return subscription;
  }

  #wakeAt(at: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#dueTimers.delete(timer);
        this.wake();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - this.options.clock.now())),
    );
    // The poll still runs: this timer only makes the retry prompt, it must not keep a process alive.
    timer.unref();
    this.#dueTimers.add(timer);
  }

  /** One claim at a time: two would each see the same free room and lease past the concurrency. */
  #claiming: Promise<void> | null = null;

  #claim(): Promise<void> {
    if (this.#claiming === null) {
      this.#claiming = this.#claimOnce().finally(() => {
        this.#claiming = null;
      });
    } else {
      // A wake during a claim may be for work the claim did not see: look once more after it.
      this.#again = true;
    }
    return this.#claiming;
  }

  #again = false;

  async #claimOnce(): Promise<void> {
    do {
      this.#again = false;
      await this.#claimRound();
    } while (this.#again && !this.#stopped);
  }

  async #claimRound(): Promise<void> {
    const { db, clock, concurrency, leaseMs, logger } = this.options;
    if (this.#stopped) return;
    const room = new Map<string, number>();
    for (const kind of this.#handlers.keys()) {
      const free = concurrency - (this.#runningByKind.get(kind) ?? 0);
      if (free > 0) room.set(kind, free);
    }
    if (room.size === 0) return;
    const now = clock.now();
    let rows: JobRow[];
    try {
      rows = await transact(db, (tx) => claimJobs(tx, this.owner, now, now + leaseMs, room));
    } catch (error) {
      logger.error("queue.claim_failed", { error: String(error) });
      return;
    }
    for (const row of rows) this.#launch(row);
  }

  #launch(row: JobRow): void {
    const handler = this.#handlers.get(row.kind) ?? missingHandler(row.kind);
    this.#runningByKind.set(row.kind, (this.#runningByKind.get(row.kind) ?? 0) + 1);
    const run = (async (): Promise<void> => {
      let job: Job = { ...row, payload: {} };
      let result: JobResult;
      try {
        job = { ...row, payload: JSON.parse(row.payload) as unknown };
        const running = job;
        result = await withRequestId(requestIdOf(job.payload), () => handler.run(running));
      } catch (error) {
        result = { kind: "fault", reason: describe(error) };
      }
      await new Promise<void>((committed) => this.#committer.add({ row, job, handler, result, committed }));
    })();
    this.#running.add(run);
    void run.finally(() => {
      this.#running.delete(run);
      this.#runningByKind.set(row.kind, (this.#runningByKind.get(row.kind) ?? 1) - 1);
      this.wake();
    });
  }

  async #offer(kind: string, everyMs: number): Promise<void> {
    const { db, clock, logger } = this.options;
    const now = clock.now();
    try {
      const dedupeKey = `${kind}@${Math.floor(now / everyMs)}`;
      const added = await transact(db, (tx) => addJob(tx, { kind, lane: null, dedupeKey }, now));
      if (added !== null) this.wake();
    } catch (error) {
      logger.error("queue.schedule_failed", { kind, error: String(error) });
    }
  }

  async #renew(): Promise<void> {
    const { db, clock, leaseMs, logger } = this.options;
    if (this.#running.size === 0) return;
    try {
      await transact(db, (tx) => renewLeases(tx, this.owner, clock.now() + leaseMs));
    } catch (error) {
      logger.error("queue.renew_failed", { error: String(error) });
    }
  }

  /** A process killed on this host left its leases behind: waiting for them to run out would hold its texts. */
  async #releaseDeadOwners(): Promise<void> {
    const { db, logger } = this.options;
    try {
      await transact(db, async (tx) => {
        for (const owner of await leaseOwners(tx)) {
          if (owner === this.owner || !diedOnThisHost(owner)) continue;
          const released = await releaseLeasesOf(tx, owner);
          logger.warn("queue.released_dead_leases", { owner, jobs: released });
          if (released > 0) this.wake();
        }
      });
    } catch (error) {
      logger.error("queue.release_failed", { error: String(error) });
    }
  }
}

function missingHandler(kind: string): JobHandler {
  return { run: async () => ({ kind: "fault", reason: `no handler registered for job kind "${kind}"` }) };
}
