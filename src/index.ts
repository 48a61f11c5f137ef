import { systemClock } from "./clock";
import { ConfigError, parseConfig } from "./config";
import { openDatabase } from "./db/client";
import { createLogger } from "./log";
import { createService } from "./service";
import { createTwilioSms } from "./sms/send";
import { createXGateway } from "./x/client";

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(new ConfigError(parsed.problems).message);
  process.exit(1);
}
const { config } = parsed;
const logger = createLogger(config.logLevel);
const db = openDatabase(config.databasePath);
const { app, delivery } = await createService({
  config,
  db,
  clock: systemClock,
  logger,
  x: createXGateway(config.x),
  sms: createTwilioSms({ ...config.twilio }),
});

app.listen({ port: config.port, hostname: config.host });
delivery.start();
logger.info("app.listening", {
  url: `http://${config.host}:${app.server?.port}`,
  publicUrl: config.publicUrl,
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info("app.stopping", { signal });
  await app.stop();
  await delivery.stop();
  db.$client.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
