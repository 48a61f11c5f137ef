import { type BackoffPolicy, retryDelay } from "./backoff";
import type { JobResult } from "./types";

/** What the failure policy knows of a job when its attempt ends. */
export type Attempted = {
  createdAt: number;
  /** Attempts so far, this one included. */
  attempts: number;
  /** Crashes and unreadable answers so far, not counting this attempt's. */
  faults: number;
};

export type RetryPolicy = BackoffPolicy & {
  /** Crashes and unreadable answers before a job ends `failed`: a bug or a broken dependency, not an outage. */
  maxFaults: number;
};

export const DEFAULT_POLICY: RetryPolicy = Object.freeze({
  baseMs: 2_000,
  maxMs: 5 * 60_000,
  giveUpAfterMs: 60 * 60_000,
  maxFaults: 8,
});

export type Decision =
  | { kind: "finish" }
  | { kind: "reschedule"; runAt: number; fault: boolean }
  /** `retryAt`: when the dependency said it would take the request again, if it said. */
  | { kind: "give_up"; cause: GiveUpCause; reason: string; retryAt: number | null; fault: boolean };

/** Too many faults; an hour of outage; or a wait the dependency named that ends past the hour. */
export type GiveUpCause = "faults" | "age" | "reset";

/**
 * Every way an attempt can end, decided in one place. Outages (5xx, 429, timeouts) back off with jitter
 * and give up by age; crashes and unreadable answers back off the same way but also count towards
 * `maxFaults`. A wait the dependency itself names (x-rate-limit-reset) is honoured, unless it ends past
 * the give-up time: then waiting is pointless and the job gives up at once (spec: X's daily cap).
 */
export function decide(
  job: Attempted,
  result: JobResult,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): Decision {
  if (result.kind === "done") return { kind: "finish" };
  // Anything but an outage counts as a fault, a result of a kind the engine does not know included.
  const fault = result.kind !== "retry";
  const deadline = job.createdAt + policy.giveUpAfterMs;
  const retryAt = result.kind === "retry" ? (result.at ?? null) : null;
  if (fault && job.faults + 1 >= policy.maxFaults) {
    const reason = `${job.faults + 1} faults: ${result.reason}`;
    return { kind: "give_up", cause: "faults", reason, retryAt: null, fault };
  }
  if (now >= deadline) {
    return {
      kind: "give_up",
      cause: "age",
      reason: `gave up after an hour: ${result.reason}`,
      retryAt,
      fault,
    };
  }
  if (retryAt !== null && retryAt > deadline) {
    const reason = `not before ${new Date(retryAt).toISOString()}: ${result.reason}`;
    return { kind: "give_up", cause: "reset", reason, retryAt, fault };
  }
  const runAt = retryAt !== null ? Math.max(retryAt, now) : now + retryDelay(job.attempts, policy, random);
  // The last try happens at the deadline rather than never: an outage shorter than the backoff still ends well.
  return { kind: "reschedule", runAt: Math.min(runAt, Math.max(deadline, retryAt ?? 0)), fault };
}
