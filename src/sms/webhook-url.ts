/**
 * Twilio's connection overrides for the inbound webhook: retry on anything (a 502 from Caddy while the app
 * restarts, a refused or timed-out connection), up to 5 times, within 15 s in all (Twilio's maximum `tt`).
 * Without them Twilio does not retry an incoming-message webhook that got a 5xx, and the text is lost.
 * ct: connect timeout (100–10000 ms), rt: read timeout (100–15000 ms), tt: total time including retries
 * (100–15000 ms), rc: retries (0–5), rp: which failures are retried (4xx, 5xx, ct, rt or all).
 * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
 */
export const RETRY_OVERRIDES = "#rc=5&rp=all&ct=2000&rt=5000&tt=15000";

/** The URL to paste as the number's "A message comes in" webhook (README: Twilio). */
export function inboundWebhookUrl(publicUrl: string): string {
  return `${publicUrl}/sms${RETRY_OVERRIDES}`;
}

/**
 * The URLs a genuine inbound webhook may be signed over. Twilio signs "the full URL" it was given, and its
 * documents do not say whether the override fragment (which is never sent in the request) is part of it;
 * twilio-node's validateRequest hashes whatever URL it is handed, fragment included. So both are accepted:
 * the URL with the documented overrides, and the bare URL (no overrides, or a Twilio that drops the fragment).
 */
export function inboundSignedUrls(publicUrl: string): readonly string[] {
  return [`${publicUrl}/sms`, inboundWebhookUrl(publicUrl)];
}
