/**
 * The sandbox's entry (spec: sandbox mode): the sandbox config, the stand-ins of Twilio and X, and the
 * simulator's routes mounted on the same app the production entry runs. `bun run start` comes here when no
 * credentials are set.
 */

import { systemClock } from "../clock";
import { describeDatabase } from "../config-database";
import { createLogger } from "../log";
import { configOrExit, serve } from "../serve";
import { parseSandboxConfig } from "./config";
import { sandboxController } from "./routes";
import { createSandbox } from "./sandbox";

const config = configOrExit(parseSandboxConfig(process.env));
const logger = createLogger(config.logLevel);
// The real clients are pointed (by the config) at these stand-ins, which the app itself serves.
const sandbox = createSandbox(config, systemClock);
await serve(config, {
  logger,
  routes: sandboxController({ sandbox, clock: systemClock, logger }),
  banner: [
    "",
    "  smstweet is running in SANDBOX mode: no Twilio or X credentials are set, nothing leaves this machine.",
    `  Open ${config.publicUrl}/sandbox to text the service from a simulated phone.`,
    `  Data: ${describeDatabase(config.database)}. Set Twilio and X credentials (see .env.example) to run for real.`,
    "",
  ].join("\n"),
});
