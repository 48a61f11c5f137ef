import { INBOUND_JOB } from "./db/inbound";
import { SMS_JOB } from "./db/outbound";
import { subscribeToJobs } from "./db/wake";
import { countJobEnd } from "./ops/job-totals";
import { Engine } from "./queue/engine";
import { DEFAULT_POLICY, type RetryPolicy } from "./queue/policy";
import { UNDO_JOB, undoJob } from "./sms/commands/account";
import { POST_JOB, postJob } from "./sms/commands/post";
import { REVOKE_JOB, revokeJob } from "./sms/commands/revoke";
import type { StepDeps } from "./sms/commands/step";
import { THREAD_JOB, threadJob } from "./sms/commands/thread";
import { HOUSEKEEPING_JOB, housekeepingJob, THREAD_EXPIRY_JOB, threadExpiryJob } from "./sms/housekeeping";
import { inboundJob } from "./sms/inbound-job";
import { type Limits, resolveLimits } from "./sms/limits";
import { sendJob } from "./sms/send-job";

/** How often open threads are checked for the 24-hour limit and finished rows pruned. */
const HOUSEKEEPING_MS = 60_000;

/** What the job kinds need (see `StepDeps`), with the engine's settings; the cost guard may be partial. */
export type DeliveryDeps = Omit<StepDeps, "limits"> & {
  publicUrl: string;
  policy?: RetryPolicy;
  /** The cost guard; anything left out takes its default. */
  limits?: Partial<Limits>;
  pollMs?: number;
  concurrency?: number;
  /** RETENTION_DAYS: finished rows are pruned after this many days; 30 if left out. */
  retentionDays?: number;
  leaseMs?: number;
  housekeepingMs?: number;
};

export type Delivery = {
  /** Picks up unfinished work from the database (after a restart too) and keeps polling. */
  start(): void;
  /** Something was queued (a text stored, a reply queued by the OAuth callback): look now, not at the next poll. */
  wake(): void;
  /** Waits until nothing is in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

/** The background worker: the engine with smstweet's job kinds. The database is the queue. */
export function createDelivery(deps: DeliveryDeps): Delivery {
  const limits = resolveLimits(deps.limits);
  const steps: StepDeps = { ...deps, limits };
  const engine = new Engine({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    policy: deps.policy ?? DEFAULT_POLICY,
    concurrency: deps.concurrency ?? 16,
    pollMs: deps.pollMs ?? 500,
    leaseMs: deps.leaseMs ?? 60_000,
    // Other replicas' texts (a `web` replica's above all) wake this one through the database, where it can.
    subscribe: (wake) => subscribeToJobs(deps.db, wake),
    observer: countJobEnd,
  })
    .register(INBOUND_JOB, inboundJob(steps))
    .register(POST_JOB, postJob(steps))
    .register(THREAD_JOB, threadJob(steps))
    .register(UNDO_JOB, undoJob(steps))
    .register(REVOKE_JOB, revokeJob(deps))
    .register(SMS_JOB, sendJob({ ...deps, limits }))
    .register(THREAD_EXPIRY_JOB, threadExpiryJob(deps))
    .register(HOUSEKEEPING_JOB, housekeepingJob(deps, deps.retentionDays))
    .schedule(HOUSEKEEPING_JOB, deps.housekeepingMs ?? HOUSEKEEPING_MS);
  return {
    start: () => engine.start(),
    wake: () => engine.wake(),
    idle: () => engine.idle(),
    stop: () => engine.stop(),
  };
}
