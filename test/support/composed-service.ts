import { createApp } from "../../src/app";
import type { Clock } from "../../src/clock";
import type { Config } from "../../src/config";
import { type Cipher, createCipher } from "../../src/crypto/cipher";
import { createPinKeys } from "../../src/crypto/pin";
import type { Database } from "../../src/db/client";
import { createDelivery, type Delivery } from "../../src/delivery";
import type { HttpDeadlines } from "../../src/http/deadlines";
import type { Logger } from "../../src/log";
import type { HealthThresholds } from "../../src/ops/health";
import type { RetryPolicy } from "../../src/queue/policy";
import type { SmsGateway } from "../../src/sms/gateway";
import type { Limits } from "../../src/sms/limits";
import type { XGateway } from "../../src/x/gateway";
import { TokenKeeper } from "../../src/x/tokens";

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
  /** How long a client may take; production's defaults unless a test shortens them. */
  deadlines?: Partial<HttpDeadlines>;
  /** When /healthz calls the service unhealthy; production's thresholds unless a test shortens them. */
  healthThresholds?: Partial<HealthThresholds>;
};

export type Service = { app: ReturnType<typeof createApp>; delivery: Delivery; cipher: Cipher };

/**
 * Composes the HTTP app and the delivery worker over the same dependencies, in one thread: how tests run the
 * service in-process (the entries run delivery in its own thread, src/serve.ts).
 */
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
