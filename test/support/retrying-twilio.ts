import twilio from "twilio";
import { inboundParams } from "../../src/sandbox/phone";
import { inboundWebhookUrl } from "../../src/sms/webhook-url";
import { TWILIO_NUMBER, type TwilioFixture } from "./twilio";

/** One incoming text as Twilio holds it: the same request, byte for byte, on every attempt. */
export type HeldWebhook = { sid: string; headers: Record<string, string>; body: string };

/** What became of one delivery: the answer Twilio got last, and how many tries it took. */
export type Delivered = { status: number | "refused"; attempts: number };

/**
 * A text to the number whose webhook is `inboundWebhookUrl` (README), signed over that URL, overrides and
 * all. Retries of one webhook carry the same I-Twilio-Idempotency-Token and the same MessageSid.
 */
export function heldWebhook(
  fixture: TwilioFixture,
  publicUrl: string,
  from: string,
  body: string,
): HeldWebhook {
  const params = inboundParams({ accountSid: fixture.accountSid, from, to: TWILIO_NUMBER, body });
  const url = inboundWebhookUrl(publicUrl);
  return {
    sid: params.MessageSid ?? "",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": twilio.getExpectedTwilioSignature(fixture.authToken, url, params),
      "I-Twilio-Idempotency-Token": crypto.randomUUID(),
      "User-Agent": "TwilioProxy/1.1",
    },
    body: new URLSearchParams(params).toString(),
  };
}

/**
 * Twilio with the README's connection overrides (rc=5, rp=all, tt=15000): a refused connection or any
 * non-2xx answer is tried again, at most 5 more times within 15 s. Twilio does not document the spacing;
 * here the retries are spread evenly over the total time. `upstream` is asked before each attempt (where
 * the public URL leads now: one app on a fixed port, or whichever of two is up).
 */
export async function deliver(upstream: () => string, webhook: HeldWebhook): Promise<Delivered> {
  const retries = 5;
  const spacingMs = 15_000 / (retries + 1);
  let status: Delivered["status"] = "refused";
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    status = await fetch(`${upstream()}/sms`, {
      method: "POST",
      headers: webhook.headers,
      body: webhook.body,
    })
      .then((response) => response.status)
      .catch(() => "refused" as const);
    if (status !== "refused" && status < 300) return { status, attempts: attempt };
    if (attempt <= retries) await Bun.sleep(spacingMs);
  }
  return { status, attempts: retries + 1 };
}
