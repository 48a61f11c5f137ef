import { LINK_PLACEHOLDER } from "../auth/links";
import type { Refusal } from "../x/gateway";
import { fitQuote } from "./segments";

/**
 * Every text smstweet sends, as functions of their data. Each must fit one GSM-7 segment
 * (160 characters): a second segment doubles what the operator pays. Plain ASCII only: one curly
 * quote would switch the whole text to UCS-2 and 70 characters. `test/sms/replies.test.ts` measures them.
 * Link texts carry LINK_PLACEHOLDER, replaced at send time by the one-time link (about 70 characters).
 */
export const replies = {
  welcome: (): string =>
    `smstweet: to post to X by text, connect your X account (link valid 15 min): ${LINK_PLACEHOLDER}`,

  connected: (handle: string): string =>
    `Connected as @${handle}. Text anything to post it. Text HELP for commands.`,

  posted: (handle: string, postId: string): string => `Posted: https://x.com/${handle}/status/${postId}`,

  /** X said "duplicate" to a retry of ours: the earlier attempt landed, but we never learnt its id. */
  postedEarlier: (handle: string): string => `Posted: https://x.com/${handle}`,

  tooLong: (over: number, fitting: string): string =>
    fitQuote(
      `Not posted: ${over} over X's 280 limit. It fits up to "{quote}". Shorten it, or text THREAD to post in parts.`,
      fitting.trimEnd(),
    ) ?? `Not posted: it is ${over} over X's 280 limit. Shorten it, or text THREAD to post it in parts.`,

  refused: (reason: Refusal): string => `Not posted: ${REFUSALS[reason]}`,

  gaveUp: (): string => "Not posted: X has been unreachable for an hour. Please send your text again later.",

  reconnect: (): string =>
    `Your X connection has expired, so your last text was not posted. Reconnect here: ${LINK_PLACEHOLDER}`,

  reconnectLinkSent: (): string =>
    "Your X connection has expired, so your last text was not posted. Use the link we just sent to reconnect.",
} as const;

const REFUSALS: Record<Refusal, string> = {
  duplicate: "X refused it as a duplicate of a recent post. Change a word and send it again.",
  reply_not_allowed: "X does not let this app post replies. Post it without replying.",
  suspended: "X says your account is suspended or locked. Check it at x.com.",
  policy: "X refused it under its rules. Check the wording and try again.",
  media: "X did not accept the picture. Send a JPEG, PNG, GIF or WebP under 5 MB.",
  other: "X refused it. Please try again later.",
};
