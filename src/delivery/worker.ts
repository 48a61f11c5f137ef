import type { StepDeps } from "../sms/commands/step";
import { expireThreads } from "../sms/commands/thread";
import { type BackoffPolicy, DEFAULT_BACKOFF } from "./backoff";
import { inboundSource } from "./inbound-job";
import { Lanes } from "./lanes";
import { type Limits, resolveLimits } from "./limits";
import { outboundSource } from "./outbound-job";

/** How often open threads are checked for the 24-hour limit. */
const HOUSEKEEPING_MS = 60_000;

export type DeliveryDeps = Omit<StepDeps, "backoff" | "limits" | "textsQueued"> & {
  publicUrl: string;
  backoff?: BackoffPolicy;
  /** The cost guard; anything left out takes its default. */
  limits?: Partial<Limits>;
  pollMs?: number;
  /** Numbers worked at once; X answers in hundreds of milliseconds, so a few keep up with a lot. */
  concurrency?: number;
  housekeepingMs?: number;
};

export type Delivery = {
  /** Picks up unfinished work from the database (after a restart too) and keeps polling. */
  start(): void;
  /** The webhook stored a text: look at it now rather than at the next poll. */
  inboundArrived(): void;
  /** Something queued a text outside the worker (e.g. the OAuth callback): send it now. */
  textsQueued(): void;
  /** Waits until both queues have nothing in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

/** The background worker: inbound texts → X, queued replies → Twilio. The database is the queue. */
export function createDelivery(deps: DeliveryDeps): Delivery {
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const limits = resolveLimits(deps.limits);
  const lanes = { clock: deps.clock, logger: deps.logger, pollMs: deps.pollMs ?? 500 };
  const outbound = new Lanes(outboundSource({ ...deps, backoff, limits }), {
    ...lanes,
    name: "outbound",
    concurrency: deps.concurrency ?? 8,
  });
  const stepDeps: StepDeps = { ...deps, backoff, limits, textsQueued: (): void => outbound.wake() };
  const inbound = new Lanes(inboundSource(stepDeps), {
    ...lanes,
    name: "inbound",
    concurrency: deps.concurrency ?? 8,
  });
  let housekeeping: ReturnType<typeof setInterval> | undefined;
  const sweep = (): void => {
    try {
      expireThreads({ ...deps, textsQueued: () => outbound.wake() });
    } catch (error) {
      deps.logger.error("housekeeping.failed", { error: String(error) });
    }
  };
  return {
    start() {
      outbound.start();
      inbound.start();
      sweep();
      housekeeping = setInterval(sweep, deps.housekeepingMs ?? HOUSEKEEPING_MS);
    },
    inboundArrived: () => inbound.wake(),
    textsQueued: () => outbound.wake(),
    async idle() {
      await inbound.idle();
      await outbound.idle();
    },
    async stop() {
      clearInterval(housekeeping);
      await inbound.stop();
      await outbound.stop();
    },
  };
}
