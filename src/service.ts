import { createApp } from "./app";
import type { Clock } from "./clock";
import type { Config } from "./config";
import { type Cipher, createCipher } from "./crypto/cipher";
import { createPinKeys } from "./crypto/pin";
import type { Database } from "./db/client";
import { createDelivery, type Delivery } from "./delivery";
import type { HttpDeadlines } from "./http/deadlines";
import type { Logger } from "./log";
import type { HealthThresholds } from "./ops/health";
import type { RetryPolicy } from "./queue/policy";
import type { Sandbox } from "./sandbox/sandbox";
import type { SmsGateway } from "./sms/gateway";
import type { Limits } from "./sms/limits";
import type { XGateway } from "./x/gateway";
import { TokenKeeper } from "./x/tokens";

export type ServiceDeps = {
  config: Config;
  db: Database;
  clock: Clock;
  x: XGateway;
  sms: SmsGateway;
  logger: Logger;
  policy?: RetryPolicy;
  /** The cost guard on texts and links; defaults in sms/limits. */
  limits?: Partial<Limits>;
  pollMs?: number;
  leaseMs?: number;
  housekeepingMs?: number;
  /** Sandbox mode only: the stand-ins the app serves, which `x` and `sms` are pointed at. */
  sandbox?: Sandbox;
  /** How long a client may take; production's defaults unless a test shortens them. */
  deadlines?: Partial<HttpDeadlines>;
  /** When /healthz calls the service unhealthy; production's thresholds unless a test shortens them. */
  healthThresholds?: Partial<HealthThresholds>;
};

export type Service = { app: ReturnType<typeof createApp>; delivery: Delivery; cipher: Cipher };

/** Composes the HTTP app and the delivery worker over the same dependencies. */
export async function createService(deps: ServiceDeps): Promise<Service> {
  const cipher = await createCipher(deps.config.tokenEncryptionKey, deps.config.previousTokenEncryptionKey);
  const keeper = new TokenKeeper({ ...deps, cipher });
  const pins = await createPinKeys(deps.config.tokenEncryptionKey, deps.config.previousTokenEncryptionKey);
  const delivery = createDelivery({
    ...deps,
    cipher,
    pins,
    keeper,
    publicUrl: deps.config.publicUrl,
    concurrency: deps.config.workerConcurrency,
    retentionDays: deps.config.retentionDays,
    limits: { ...deps.config.limits, ...deps.limits },
  });
  const app = createApp({ ...deps, cipher, delivery });
  return { app, delivery, cipher };
}
