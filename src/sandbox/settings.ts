import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Fixed, fake credentials for the built-in stand-ins. They only ever open doors inside this process,
 * so they can be public; real ones are refused alongside sandbox intent (see config.ts).
 */
export const SANDBOX_TWILIO = Object.freeze({
  accountSid: `AC${"5a".repeat(16)}`,
  authToken: "sandbox-twilio-auth-token",
  // Twilio's own "magic" test number: it can never be a real texter's number.
  phoneNumber: "+15005550006",
});

/**
 * A simulated landline (Twilio's magic "not a mobile number"): the stand-in reports every text to it
 * undelivered with 30006, so the simulator shows what a dead number does: its replies stop.
 */
export const SANDBOX_LANDLINE = "+15005550009";

export const SANDBOX_X = Object.freeze({
  clientId: "sandbox-x-client-id",
  clientSecret: "sandbox-x-client-secret",
});

/** Where the app mounts the stand-ins of X and Twilio on itself. */
export const SANDBOX_X_PATH = "/sandbox/x";
export const SANDBOX_TWILIO_PATH = "/sandbox/twilio";

export const SANDBOX_DATABASE_PATH = "./data/sandbox.db";

/** The X handle the fake consent page offers first. */
export const SANDBOX_USERNAME = "sandbox_user";

/** Beside the database: the key must outlive restarts, or the stored (fake) X tokens no longer decrypt. */
export function sandboxKeyPath(databasePath: string): string {
  return `${databasePath.replace(/\.db$/, "")}.key`;
}

/** Reads the sandbox's token key, creating it on first start. Never used for real tokens. */
export function loadSandboxKey(path: string): Uint8Array {
  try {
    return new Uint8Array(Buffer.from(readFileSync(path, "utf8").trim(), "base64"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = crypto.getRandomValues(new Uint8Array(32));
  // "wx": if two starts race, the loser fails instead of overwriting the key the winner already used.
  writeFileSync(path, `${Buffer.from(key).toString("base64")}\n`, { flag: "wx", mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

/** The sandbox pages' one script (progressive enhancement), served by the sandbox controller. */
export const SANDBOX_SCRIPT = "/sandbox/sandbox.js";
