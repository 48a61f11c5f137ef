import type { Clock } from "../clock";
import type { Database } from "../db/client";
import { doneSince, faultsByKind, overdueKinds, probeWrite } from "../db/health";

/**
 * When /healthz calls the service unhealthy. Constants rather than settings: they follow the engine's own
 * timings (a claim within half a second of due, backoff capped at five minutes), not the operator's setup.
 */
export type HealthThresholds = {
  /** Due work waiting this long with no job of its kind in hand: the worker is stalled, dead or stopped. */
  stallMs: number;
  /** How far back faults and completions are compared. */
  failingWindowMs: number;
  /** Fewer faults than this in the window is a passing glitch, not a failing job kind. */
  minFaults: number;
  /** The longest the write probe waits for another connection's write lock (Docker gives up after 5 s). */
  probeWaitMs: number;
};

export const DEFAULT_HEALTH: HealthThresholds = Object.freeze({
  stallMs: 5 * 60_000,
  failingWindowMs: 5 * 60_000,
  minFaults: 3,
  probeWaitMs: 2_000,
});

/** A check's verdict; `reason` is one line for the operator (and for Docker's health log). */
export type HealthReport = { ok: true } | { ok: false; reason: string };

export type Health = {
  /** GET /healthz: the database takes writes, due work moves, jobs do not fail faster than they finish. */
  check(): Promise<HealthReport>;
  /**
   * GET /healthz?ready: whether this process can store a webhook now. An outage at X or a stalled worker
   * never makes it unready: a load balancer taking it out of rotation would lose texts, not save them.
   */
  ready(): Promise<HealthReport>;
};

export type HealthDeps = {
  db: Database;
  clock: Clock;
  thresholds?: Partial<HealthThresholds>;
  /** False in a web replica: no delivery runs there, so a stalled or failing queue is not its fault. */
  watchQueue?: boolean;
  /** True while the process drains before a stop: load balancers should send the next webhook elsewhere. */
  draining?: () => boolean;
};

const seconds = (ms: number): number => Math.round(ms / 1000);
const minutes = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${seconds(ms)} s`);

function oneLine(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (typeof code === "string" && !message.startsWith(code) ? `${code}: ${message}` : message)
    .replace(/\s+/g, " ")
    .slice(0, 200);
}

export function createHealth(deps: HealthDeps): Health {
  const limits = { ...DEFAULT_HEALTH, ...deps.thresholds };
  const { db, clock } = deps;

  async function writable(): Promise<HealthReport> {
    try {
      await probeWrite(db, clock.now(), limits.probeWaitMs);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `database not writable: ${oneLine(error)}` };
    }
  }

  async function stalled(now: number): Promise<HealthReport> {
    const stuck = (await overdueKinds(db, now - limits.stallMs, now)).find((kind) => !kind.inHand);
    if (!stuck) return { ok: true };
    const waited = seconds(now - stuck.dueSince);
    return {
      ok: false,
      reason: `worker stalled: a due ${stuck.kind} job has waited ${waited} s and no ${stuck.kind} job is being worked`,
    };
  }

  async function failing(now: number): Promise<HealthReport> {
    const since = now - limits.failingWindowMs;
    for (const { kind, faults } of await faultsByKind(db, since)) {
      if (faults < limits.minFaults) break;
      const done = await doneSince(db, kind, since, faults);
      if (faults > done) {
        const window = minutes(limits.failingWindowMs);
        return {
          ok: false,
          reason: `jobs failing: ${faults} faults of ${kind} jobs vs ${done} done in ${window}`,
        };
      }
    }
    return { ok: true };
  }

  return {
    async check() {
      const write = await writable();
      if (!write.ok || deps.watchQueue === false) return write;
      try {
        const now = clock.now();
        const stall = await stalled(now);
        return stall.ok ? await failing(now) : stall;
      } catch (error) {
        return { ok: false, reason: `database not readable: ${oneLine(error)}` };
      }
    },
    async ready() {
      if (deps.draining?.()) return { ok: false, reason: "draining: stopping soon" };
      return writable();
    },
  };
}
