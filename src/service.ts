import { createApp } from "./app";
import type { Clock } from "./clock";
import type { Config } from "./config";
import { type Cipher, createCipher } from "./crypto/cipher";
import type { Database } from "./db/client";
import type { BackoffPolicy } from "./delivery/backoff";
import type { Limits } from "./delivery/limits";
import { createDelivery, type Delivery } from "./delivery/worker";
import type { Logger } from "./log";
import type { Sandbox } from "./sandbox/sandbox";
import type { SmsGateway } from "./sms/gateway";
import type { XGateway } from "./x/gateway";
import { TokenKeeper } from "./x/tokens";

export type ServiceDeps = {
  config: Config;
  db: Database;
  clock: Clock;
  x: XGateway;
  sms: SmsGateway;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** The cost guard on texts and links; defaults in delivery/limits. */
  limits?: Partial<Limits>;
  pollMs?: number;
  housekeepingMs?: number;
  /** Sandbox mode only: the stand-ins the app serves, which `x` and `sms` are pointed at. */
  sandbox?: Sandbox;
};

export type Service = { app: ReturnType<typeof createApp>; delivery: Delivery; cipher: Cipher };

/** Composes the HTTP app and the delivery worker over the same dependencies. */
export async function createService(deps: ServiceDeps): Promise<Service> {
  const cipher = await createCipher(deps.config.tokenEncryptionKey, deps.config.previousTokenEncryptionKey);
  const keeper = new TokenKeeper({ ...deps, cipher });
  const delivery = createDelivery({ ...deps, cipher, keeper, publicUrl: deps.config.publicUrl });
  const app = createApp({ ...deps, cipher, delivery });
  return { app, delivery, cipher };
}
