/**
 * Pre-signed webhooks, written as `signature<TAB>form-body` lines (what peers/replay.lua and sender.ts
 * replay), so that signing is never part of what is measured. Every line is a different MessageSid.
 */
import twilio from "twilio";
import { inboundParams } from "../src/sandbox/phone";
import { BENCH_ACCOUNT_SID, BENCH_AUTH_TOKEN, BENCH_TWILIO_NUMBER } from "./standins";

/** What Twilio signs (the app listens on loopback, as it does behind Caddy). */
export const PUBLIC_URL = "https://smstweet.test";
const SIGNED_URL = `${PUBLIC_URL}/sms`;

/** `count` distinct E.164 numbers; `offset` keeps the sets of different app instances apart. */
export function phones(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+1415555${String(1000 + offset + i).padStart(4, "0")}`);
}

/** The X account a bench number connects as. */
export const usernameOf = (phone: string): string => `b${phone.slice(-7)}`;

// Twilio's MessageSids are SM plus 32 random hex digits: sequential ones would let every index on them
// grow at its end, flattering smstweet and the FastAPI peer alike compared with production.
/** SM + 32 random hex digits, as Twilio's. */
const nextSid = (): string => `SM${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")}`;

/** Each number's next `#n`: posts of one number carry increasing numbers, so order can be checked at X. */
const sequence = new Map<string, number>();
const templates = new Map<string, Record<string, string>>();

export type Signed = { signature: string; body: string };

/** One webhook from `from` saying `text`, signed over PUBLIC_URL with the bench's Twilio auth token. */
export function sign(from: string, text: string): Signed {
  let template = templates.get(from);
  if (!template) {
    template = inboundParams({ accountSid: BENCH_ACCOUNT_SID, from, to: BENCH_TWILIO_NUMBER, body: "x" });
    templates.set(from, template);
  }
  const sid = nextSid();
  // Same keys in Twilio's order; bodies stay one GSM-7 segment, so NumSegments is still right.
  const params = { ...template, SmsMessageSid: sid, SmsSid: sid, MessageSid: sid, Body: text };
  return {
    signature: twilio.getExpectedTwilioSignature(BENCH_AUTH_TOKEN, SIGNED_URL, params),
    body: new URLSearchParams(params).toString(),
  };
}

/**
 * Writes `count` webhooks to `path`, round robin over `numbers`; each is a post like
 * `burst-a 17 from a flip phone #3` (unique per number, so X never sees duplicate content).
 */
export async function writeRequests(
  path: string,
  numbers: readonly string[],
  count: number,
  tag: string,
): Promise<string> {
  const lines: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const from = numbers[i % numbers.length] ?? "";
    const n = sequence.get(from) ?? 0;
    sequence.set(from, n + 1);
    const { signature, body } = sign(from, `${tag} ${i % numbers.length} from a flip phone #${n}`);
    lines[i] = `${signature}\t${body}`;
  }
  await Bun.write(path, `${lines.join("\n")}\n`);
  return path;
}
