/**
 * The delivery worker's own thread (a Bun Worker started by `delivery-host.ts`): its own event loop and
 * its own connection to the database, so posting at full speed never delays a webhook's answer.
 * It works with the main thread's config, cloned (`workerData`).
 */
import { workerData } from "node:worker_threads";
import { systemClock } from "./clock";
import type { Config } from "./config";
import { poolShares } from "./config-database";
import { createCipher } from "./crypto/cipher";
import { createPinKeys } from "./crypto/pin";
import { closeDatabase, openDatabase } from "./db/client";
import { createDelivery } from "./delivery";
import type { FromThread, ToThread } from "./delivery-host";
import { createLogger } from "./log";
import type { Measure } from "./ops/measure";
import { statusCallbackUrl } from "./sms/delivery-report";
import { createTwilioSms } from "./sms/send";
import { createXGateway } from "./x/client";
import { TokenKeeper } from "./x/tokens";

declare const self: Worker;

const config: Config = workerData;
const logger = createLogger(config.logLevel);
// This thread's loop answers no request: it may wait for the webhook's commits in SQLite's busy handler.
const db = await openDatabase(config.database, {
  waitForLock: "sleep",
  poolSize:
    config.database.dialect === "postgres"
      ? poolShares(config.database.poolSize, config.role).delivery
      : undefined,
});
// The main thread serves /metrics: every request to X or Twilio made here is reported there.
const measure: Measure = (measurement) => self.postMessage({ measurement } satisfies FromThread);
const x = createXGateway({ ...config.x, measure });
const cipher = await createCipher(config.tokenEncryptionKey, config.previousTokenEncryptionKey);
const pins = await createPinKeys(config.tokenEncryptionKey, config.previousTokenEncryptionKey);
const keeper = new TokenKeeper({ db, x, cipher, clock: systemClock, logger });
const delivery = createDelivery({
  db,
  x,
  sms: createTwilioSms({ ...config.twilio, statusCallback: statusCallbackUrl(config.publicUrl), measure }),
  keeper,
  cipher,
  pins,
  clock: systemClock,
  logger,
  publicUrl: config.publicUrl,
  concurrency: config.workerConcurrency,
  ...(config.queuePollMs === undefined ? {} : { pollMs: config.queuePollMs }),
  retentionDays: config.retentionDays,
  limits: config.limits,
});

self.onmessage = (event: MessageEvent<ToThread>): void => {
  if (event.data === "wake") {
    delivery.wake();
    return;
  }
  void delivery.stop().then(async () => {
    await closeDatabase(db);
    self.postMessage("stopped" satisfies FromThread);
  });
};
delivery.start();
self.postMessage("started" satisfies FromThread);
