import type { Clock } from "../clock";
import type { Logger } from "../log";

/** A unit of queued work; jobs with the same `lane` run one at a time, in order. */
export type Job = { id: number; lane: string };

export interface JobSource<J extends Job> {
  /** Head-of-lane jobs whose time has come (at most one per lane), oldest first. */
  due(now: number, limit: number): J[];
  run(job: J): Promise<void>;
}

export type LanesOptions = {
  clock: Clock;
  logger: Logger;
  name: string;
  /** How many lanes may run at once. */
  concurrency: number;
  /** How often to look for work that became due without a `wake()`, e.g. after a backoff. */
  pollMs: number;
};

/**
 * Runs a durable queue: the rows are the truth, this only decides what to start now.
 * One job per lane at a time keeps a texter's messages in order; lanes run concurrently.
 * Nothing is held in memory that a restart would need: unfinished rows are simply due again.
 */
export class Lanes<J extends Job> {
  readonly #busy = new Set<string>();
  readonly #running = new Set<Promise<void>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = true;

  constructor(
    private readonly source: JobSource<J>,
    private readonly options: LanesOptions,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  /** Looks for due work now; called after anything is queued. */
  wake(): void {
    if (this.#stopped) return;
    const room = this.options.concurrency - this.#busy.size;
    if (room <= 0) return;
    let jobs: J[];
    try {
      // Busy lanes' heads come back too (their job is still pending): ask for enough to skip them.
      jobs = this.source
        .due(this.options.clock.now(), room + this.#busy.size)
        .filter((job) => !this.#busy.has(job.lane))
        .slice(0, room);
    } catch (error) {
      this.options.logger.error(`${this.options.name}.poll_failed`, { error: String(error) });
      return;
    }
    for (const job of jobs) this.#launch(job);
  }

  /** Stops taking work and waits for the jobs in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#running]);
  }

  /** Resolves when nothing is running (tests and graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #launch(job: J): void {
    this.#busy.add(job.lane);
    const run = this.source
      .run(job)
      .then(
        () => {
          this.#busy.delete(job.lane);
        },
        async (error: unknown) => {
          // The row stays pending and is retried; holding the lane a moment avoids a hot loop on a bug.
          this.options.logger.error(`${this.options.name}.job_crashed`, { id: job.id, error: String(error) });
          await Bun.sleep(this.options.pollMs * 4);
          this.#busy.delete(job.lane);
        },
      )
      .finally(() => {
        this.#running.delete(run);
        this.wake();
      });
    this.#running.add(run);
  }
}
