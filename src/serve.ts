import type { AnyElysia } from "elysia";
import { createApp } from "./app";
import { systemClock } from "./clock";
import { type Config, ConfigError, type ConfigResult } from "./config";
import { poolShares } from "./config-database";
import { createCipher } from "./crypto/cipher";
import { closeDatabase, openDatabase } from "./db/client";
import { type DeliveryThread, startDeliveryThread } from "./delivery-host";
import type { Logger } from "./log";
import { startHeartbeat } from "./ops/heartbeat";
import { Metrics } from "./ops/metrics";
import { createXGateway } from "./x/client";

/**
 * A web replica stores texts and leaves them to the workers, which find them on their next poll: a wake
 * here would reach no one.
 */
const NO_DELIVERY: Promise<DeliveryThread> = Promise.resolve({ wake() {}, stop: async () => {} });

export type ServeOptions = {
  logger: Logger;
  /** Routes an entry adds to the app (the sandbox's stand-ins and simulator); production adds none. */
  routes?: AnyElysia;
  /** Printed once the app listens. */
  banner?: string;
};

/** The parsed config, or one message naming every problem on stderr and exit 1 (spec: configuration). */
export function configOrExit(parsed: ConfigResult): Config {
  if (parsed.ok) return parsed.config;
  console.error(new ConfigError(parsed.problems).message);
  process.exit(1);
}

/** Runs the app and its delivery thread for `config` until SIGTERM or SIGINT: what both entries share. */
export async function serve(config: Config, { logger, routes, banner }: ServeOptions): Promise<void> {
  // Opened (and migrated) here first: the delivery thread opens its own connection to an up-to-date file,
  // and checkpoints the WAL for both.
  for (const notice of config.notices) logger.warn("config.notice", { notice });
  const pool =
    config.database.dialect === "postgres" ? poolShares(config.database.poolSize, config.role) : undefined;
  const db = await openDatabase(config.database, { checkpoints: false, poolSize: pool?.main });
  const cipher = await createCipher(config.tokenEncryptionKey, config.previousTokenEncryptionKey);
  let wake = (): void => {};
  let draining = false;
  // One registry for this thread's requests and the delivery thread's (forwarded by delivery-host).
  const metrics = new Metrics(db, systemClock);
  const app = createApp({
    config,
    db,
    clock: systemClock,
    logger,
    cipher,
    x: createXGateway({ ...config.x, measure: metrics.measure }),
    delivery: { wake: () => wake() },
    metrics,
    draining: () => draining,
  });
  if (routes) app.use(routes);

  // Listening comes first: in sandbox mode the worker's calls to "X" and "Twilio" are calls to this server.
  app.listen({ port: config.port, hostname: config.host });
  logger.info("app.listening", {
    mode: config.mode,
    role: config.role,
    url: `http://${config.host}:${app.server?.port}`,
    publicUrl: config.publicUrl,
  });
  if (banner) console.log(banner);

  // What `admin restore` checks: a process that holds the database.
  const heartbeat = startHeartbeat(db, systemClock, logger);
  // Resolves once the delivery thread works the queue; a stop that comes first waits for it, then stops it.
  const delivery = config.role === "web" ? NO_DELIVERY : startDeliveryThread(config, logger, metrics.measure);

  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    // Spec (DRAIN_SECONDS): a load balancer's health check sees ?ready go 503 and sends the next webhooks to
    // another process, while this one still answers whatever reaches it meanwhile.
    draining = true;
    logger.info("app.draining", { signal, seconds: config.drainSeconds });
    if (config.drainSeconds > 0) await Bun.sleep(config.drainSeconds * 1000);
    logger.info("app.stopping", { signal });
    await app.stop();
    await (await delivery).stop();
    await heartbeat.stop();
    await closeDatabase(db);
    process.exit(0);
  }
  // Before anything is awaited: a stop during start-up drains and closes too, instead of killing the process.
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  wake = (await delivery).wake;
  // Texts stored while the thread started are due already: look now.
  wake();
}
