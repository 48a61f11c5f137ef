import { resolve } from "node:path";
import type { LogLevel, ModeConfig } from "../config";
import {
  SANDBOX_DATABASE_PATH,
  SANDBOX_TWILIO,
  SANDBOX_TWILIO_PATH,
  SANDBOX_X,
  SANDBOX_X_PATH,
  sandboxKeyPath,
} from "./settings";

export const PRODUCTION_DATABASE_PATH = "./data/smstweet.db";

export type SandboxInput = {
  read: (name: string) => string | undefined;
  port: number;
  logLevel: LogLevel;
  /** PUBLIC_URL, already checked, or the loopback default. */
  publicUrl: string;
  problems: string[];
  loadKey: (path: string) => Uint8Array;
};

/**
 * The built-in stand-ins answer on the app's own port, so the real clients are pointed at the app itself:
 * the API calls go to loopback, the consent page (opened by the browser) lives under PUBLIC_URL.
 */
export function sandboxConfig(input: SandboxInput): ModeConfig {
  const { read, port, problems, publicUrl } = input;
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
    if (problems.length === 0) tokenEncryptionKey = input.loadKey(sandboxKeyPath(databasePath));
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
    logLevel: input.logLevel,
  });
}

/** Where the app can reach itself, whatever address it listens on. */
function loopbackFor(host: string): string {
  if (host === "0.0.0.0" || host === "localhost" || host.startsWith("127.")) return "127.0.0.1";
  if (host === "::" || host === "::1" || host === "[::1]" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
