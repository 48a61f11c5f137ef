/**
 * Which mode the environment asks for (spec: configuration, "Entry points"). Pure: the launcher decides with
 * it, and each entry's config parser refuses what its mode must never run with.
 */

type Env = Record<string, string | undefined>;

/** The real Twilio and X credentials: any one of them set means production. */
const CREDENTIALS = [
  "TWILIO_ACCOUNT_SID",
  "TWILIO_AUTH_TOKEN",
  "TWILIO_PHONE_NUMBER",
  "TWILIO_MESSAGING_SERVICE_SID",
  "X_CLIENT_ID",
  "X_CLIENT_SECRET",
] as const;

/** SMSTWEET_SANDBOX: unset means "sandbox when no credential is set"; 1 asks for it; 0 forbids it. */
export type SandboxIntent = "auto" | "on" | "off" | "invalid";

export const INTENT_PROBLEM = "SMSTWEET_SANDBOX must be 1 (sandbox) or 0 (never sandbox)";

export function sandboxIntent(value: string | undefined): SandboxIntent {
  const raw = value?.trim();
  if (raw === undefined || raw === "") return "auto";
  if (/^(1|true|yes|on)$/i.test(raw)) return "on";
  if (/^(0|false|no|off)$/i.test(raw)) return "off";
  return "invalid";
}

/** The credential variables that are set, by name only (their values are secrets). */
export function credentialsSet(env: Env): string[] {
  return CREDENTIALS.filter((name) => (env[name]?.trim() ?? "") !== "");
}

/**
 * What `bun run start` runs. A request for the sandbox goes to the sandbox, whose config refuses it alongside
 * credentials; an unreadable SMSTWEET_SANDBOX goes to production, whose config reports it with the rest.
 */
export function chooseMode(env: Env): "production" | "sandbox" {
  const intent = sandboxIntent(env.SMSTWEET_SANDBOX);
  if (intent === "on") return "sandbox";
  if (intent === "auto" && credentialsSet(env).length === 0) return "sandbox";
  return "production";
}
