import type { JobOutcome } from "../db/schema";
import type { Writer } from "../db/transaction";
import type { GiveUpCause } from "./policy";

/** A leased job as its handler sees it. */
export type Job<P = unknown> = {
  id: number;
  kind: string;
  lane: string | null;
  payload: P;
  createdAt: number;
  /** When the first attempt began: anything sent since may have reached X or Twilio. */
  startedAt: number;
  /** Attempts so far, this one included. */
  attempts: number;
  /** An earlier attempt may have acted without our hearing of it: find out before doing it again. */
  uncertain: boolean;
};

/** Writes that must commit together with the job's completion, or not at all. */
export type Effects = (tx: Writer) => Promise<void>;

/** How an attempt ended, as the handler saw it. A thrown error counts as a `fault`. */
export type JobResult =
  /** Finished, well or not (a refusal is final too): `detail` says how, in the kind's own words. */
  | { kind: "done"; detail: string; refused?: boolean; write?: Effects }
  /**
   * An outage (5xx, 429, timeout, network): back off, honour `at` when the dependency named it.
   * `uncertain`: the request may have reached the dependency (a timeout after sending).
   */
  | { kind: "retry"; reason: string; at?: number | null; uncertain?: boolean; write?: Effects }
  /** An unreadable answer or a bug: back off too, count towards the attempt cap; always uncertain. */
  | { kind: "fault"; reason: string; write?: Effects };

export type GiveUp = {
  cause: GiveUpCause;
  /** The policy's account, for logs: the cause and the last attempt's reason. */
  reason: string;
  /** The last attempt's own reason, in the handler's words. */
  lastReason: string;
  /** When the dependency will take the request again, if it said (X's daily cap). */
  retryAt: number | null;
};

/** A job kind, registered at wiring time; the engine knows nothing else of it. */
export interface JobHandler<P = unknown> {
  run(job: Job<P>): Promise<JobResult>;
  /** Runs in the transaction that marks the job failed: the place to tell the texter, once. */
  onGiveUp?(job: Job<P>, giveUp: GiveUp, tx: Writer): Promise<void>;
  /** Erase the payload once the job is finished (it holds message text or sealed tokens). */
  erasePayload?: boolean;
}

/** How a job ended: its kind, the engine's outcome and the handler's `detail` (null when it gave up). */
export type JobEnd = { kind: string; outcome: JobOutcome; detail: string | null };

/** Told of every job's end inside the transaction that records it (durable metrics count there). */
export type JobObserver = (tx: Writer, end: JobEnd) => Promise<void>;
