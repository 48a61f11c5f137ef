/**
 * The production entry: what the Dockerfile runs. Real credentials only; it never falls back to the sandbox
 * (that is `bun run start`'s launcher, `launch.ts`).
 */
import { parseConfig } from "./config";
import { createLogger } from "./log";
import { configOrExit, serve } from "./serve";

const config = configOrExit(parseConfig(process.env));
await serve(config, { logger: createLogger(config.logLevel) });
