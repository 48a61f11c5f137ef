import { createApp } from "./app";
import { systemClock } from "./clock";
import { ConfigError, parseConfig } from "./config";
import { createCipher } from "./crypto/cipher";
import { closeDatabase, openDatabase } from "./db/client";
import { startDeliveryThread } from "./delivery-host";
import { createLogger } from "./log";
import { startHeartbeat } from "./ops/heartbeat";
import { Metrics } from "./ops/metrics";
import { createSandbox } from "./sandbox/sandbox";
import { createXGateway } from "./x/client";

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(new ConfigError(parsed.problems).message);
  process.exit(1);
}
const { config } = parsed;
const logger = createLogger(config.logLevel);
// Opened (and migrated) here first: the delivery thread opens its own connection to an up-to-date file,
// and checkpoints the WAL for both.
const db = openDatabase(config.databasePath, { checkpoints: false });
// In sandbox mode the real clients below are pointed (by the config) at stand-ins the app itself serves.
const sandbox = config.mode === "sandbox" ? createSandbox(config, systemClock) : undefined;
const cipher = await createCipher(config.tokenEncryptionKey, config.previousTokenEncryptionKey);
let wake = (): void => {};
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
  ...(sandbox ? { sandbox } : {}),
});

// Listening comes first: in sandbox mode the worker's calls to "X" and "Twilio" are calls to this server.
app.listen({ port: config.port, hostname: config.host });
logger.info("app.listening", {
  mode: config.mode,
  url: `http://${config.host}:${app.server?.port}`,
  publicUrl: config.publicUrl,
});
if (sandbox) {
  console.log(
    [
      "",
      "  smstweet is running in SANDBOX mode: no Twilio or X credentials are set, nothing leaves this machine.",
      `  Open ${config.publicUrl}/sandbox to text the service from a simulated phone.`,
      `  Data: ${config.databasePath}. Set Twilio and X credentials (see .env.example) to run for real.`,
      "",
    ].join("\n"),
  );
}

const heartbeat = startHeartbeat(db, systemClock, logger);
const delivery = await startDeliveryThread(logger, metrics.measure);
wake = delivery.wake;
// Texts stored while the thread started are due already: look now.
wake();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info("app.stopping", { signal });
  await app.stop();
  await delivery.stop();
  await heartbeat.stop();
  closeDatabase(db);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
