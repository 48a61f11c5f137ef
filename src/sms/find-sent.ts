import type twilio from "twilio";
import type { SentLookup } from "./gateway";
import { messageSid } from "./twilio-answer";
import { lookupFailure } from "./twilio-failure";

/** One page of Twilio's default size: far more texts than one number gets from us in a retry window. */
const LOOKUP_LIMIT = 50;

/**
 * Looks for a text Twilio already took, so a send whose answer was lost is not sent twice. twilio-node sends
 * `dateSentAfter` as `DateSent>=YYYY-MM-DDTHH:mm:ssZ` (milliseconds dropped, so `since` is rounded down) and
 * Twilio lists newest first.
 */
export async function findSent(
  client: twilio.Twilio,
  to: string,
  body: string,
  since: number,
): Promise<SentLookup> {
  let listed: { sid: unknown; body: unknown }[];
  try {
    listed = await client.messages.list({ to, dateSentAfter: new Date(since), limit: LOOKUP_LIMIT });
  } catch (error) {
    return lookupFailure(error);
  }
  for (const message of listed) {
    const sid = messageSid(message.sid);
    if (sid !== null && message.body === body) return { kind: "found", sid };
  }
  return { kind: "not_found" };
}
