import { systemClock } from "./clock";
import { ConfigError, parseConfig } from "./config";
import { openDatabase } from "./db/client";
import { createLogger } from "./log";
import { createSandbox } from "./sandbox/sandbox";
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
// In sandbox mode the real clients below are pointed (by the config) at stand-ins the app itself serves.
const sandbox = config.mode === "sandbox" ? createSandbox(config, systemClock) : undefined;
const { app, delivery } = await createService({
  config,
  db,
  clock: systemClock,
  logger,
  x: createXGateway(config.x),
  sms: createTwilioSms({ ...config.twilio }),
  ...(sandbox ? { sandbox } : {}),
});

// Listening comes first: in sandbox mode the worker's calls to "X" and "Twilio" are calls to this server.
app.listen({ port: config.port, hostname: config.host });
delivery.start();
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
