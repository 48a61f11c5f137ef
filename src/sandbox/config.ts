import { resolve } from "node:path";
import {
  type Common,
  type ConfigResult,
  type Env,
  type ModeConfig,
  PRODUCTION_DATABASE_PATH,
  parseConfig,
  type Reader,
} from "../config";
import { parseOrigin } from "../config-values";
import { credentialsSet, sandboxIntent } from "../mode";
import {
  loadSandboxKey,
  SANDBOX_DATABASE_PATH,
  SANDBOX_TWILIO,
  SANDBOX_TWILIO_PATH,
  SANDBOX_X,
  SANDBOX_X_PATH,
  sandboxKeyPath,
} from "./settings";

export type SandboxConfigOptions = {
  /** Reads (or creates) the sandbox's key file; injectable so tests touch no real file. */
  loadSandboxKey?: (path: string) => Uint8Array;
};

/** The sandbox entry's config: the common settings, and stand-ins in place of Twilio and X. */
export function parseSandboxConfig(env: Env, options: SandboxConfigOptions = {}): ConfigResult {
  const loadKey = options.loadSandboxKey ?? loadSandboxKey;
  return parseConfig(env, (read, common) => {
    refuseRealServices(env, common.problems);
    return sandboxConfig(read, common, loadKey);
  });
}

/**
 * The built-in stand-ins answer on the app's own port, so the real clients are pointed at the app itself:
 * the API calls go to loopback, the consent page (opened by the browser) lives under PUBLIC_URL.
 */
function sandboxConfig(read: Reader, common: Common, loadKey: (path: string) => Uint8Array): ModeConfig {
  const { port, problems } = common;
  const publicUrl = parseOrigin("PUBLIC_URL", read("PUBLIC_URL") ?? `http://127.0.0.1:${port}`, problems);
  if (port === 0) problems.push("PORT must be a fixed port in sandbox mode: the app calls itself on it");
  const host = read("HOST") ?? "127.0.0.1";
  const self = `http://${loopbackFor(host)}:${port}`;
  const databasePath = read("DATABASE_PATH") ?? SANDBOX_DATABASE_PATH;
  if (resolve(databasePath) === resolve(PRODUCTION_DATABASE_PATH)) {
    problems.push(
      `DATABASE_PATH is the production database (${PRODUCTION_DATABASE_PATH}); sandbox data lives in its own file: unset DATABASE_PATH to use ${SANDBOX_DATABASE_PATH}`,
    );
  }
  let tokenEncryptionKey: Uint8Array = new Uint8Array();
  try {
    if (problems.length === 0) tokenEncryptionKey = loadKey(sandboxKeyPath(databasePath));
    if (problems.length === 0 && tokenEncryptionKey.byteLength !== 32) {
      problems.push(`${sandboxKeyPath(databasePath)} is not a 32-byte base64 key: delete it to start afresh`);
    }
  } catch (error) {
    problems.push(`Could not read or create the sandbox key ${sandboxKeyPath(databasePath)}: ${error}`);
  }
  return Object.freeze({
    mode: "sandbox",
    port,
    host,
    publicUrl,
    databasePath,
    tokenEncryptionKey,
    twilio: Object.freeze({
      accountSid: SANDBOX_TWILIO.accountSid,
      authToken: SANDBOX_TWILIO.authToken,
      sender: Object.freeze({ phoneNumber: SANDBOX_TWILIO.phoneNumber }),
      apiUrl: `${self}${SANDBOX_TWILIO_PATH}`,
    }),
    x: Object.freeze({
      ...SANDBOX_X,
      apiUrl: `${self}${SANDBOX_X_PATH}`,
      authorizeUrl: `${publicUrl}${SANDBOX_X_PATH}/i/oauth2/authorize`,
    }),
    logLevel: common.logLevel,
  });
}

/** The sandbox can never be on with real credentials, a shared database, or SMSTWEET_SANDBOX=0. */
function refuseRealServices(env: Env, problems: string[]): void {
  const present = credentialsSet(env);
  if (present.length > 0) {
    problems.push(
      `SMSTWEET_SANDBOX asks for sandbox mode, but real credentials are set (${present.join(", ")}). ` +
        "The sandbox never runs with real credentials: remove them, or unset SMSTWEET_SANDBOX.",
    );
  }
  if (env.DATABASE_URL?.trim()) {
    problems.push("DATABASE_URL is set, but the sandbox keeps its data in its own SQLite file: unset it");
  }
  if (sandboxIntent(env.SMSTWEET_SANDBOX) === "off") {
    problems.push(
      "SMSTWEET_SANDBOX=0 forbids the sandbox: set the credentials (see .env.example) to run for real",
    );
  }
}

/** Where the app can reach itself, whatever address it listens on. */
function loopbackFor(host: string): string {
  if (host === "0.0.0.0" || host === "localhost" || host.startsWith("127.")) return "127.0.0.1";
  if (host === "::" || host === "::1" || host === "[::1]" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
