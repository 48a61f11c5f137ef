import { LINK_PLACEHOLDER } from "../auth/links";
import type { Refusal } from "../x/gateway";
import { fitQuote } from "./segments";

/**
 * Every text smstweet sends, as functions of their data. Each must fit one GSM-7 segment
 * (160 characters; HELP two): a second segment doubles what the operator pays. Plain ASCII only: one
 * curly quote would switch the whole text to UCS-2 and 70 characters. `test/sms/replies.test.ts`
 * measures every one of them. Link texts carry LINK_PLACEHOLDER, replaced at send time by the
 * one-time link (about 70 characters).
 */
export const replies = {
  welcome: (): string =>
    `Not posted yet: first connect your X account to smstweet (link works 15 min): ${LINK_PLACEHOLDER}`,

  connected: (handle: string): string =>
    `Connected as @${handle}. Text anything to post it. Text HELP for commands.`,

  /** Quotes the start of the post, so that five confirmations in a row can be told apart. */
  posted: (handle: string, postId: string, text: string, skippedPictures = 0): string =>
    quoted(text, postUrl(handle, postId), skippedPictures > 0 ? " (picture skipped)" : ""),

  /** X said "duplicate" to a retry of ours and the post could not be found again: it landed all the same. */
  postedEarlier: (handle: string, text: string): string => quoted(text, `https://x.com/${handle}`),

  tooLong: (over: number, fitting: string): string =>
    fitQuote(
      `Not posted: ${over} over X's 280 limit. It fits up to "{quote}". Shorten it, or text THREAD to post in parts.`,
      fitting.trimEnd(),
    ) ?? `Not posted: it is ${over} over X's 280 limit. Shorten it, or text THREAD to post it in parts.`,

  /** Invisible or not, the character is named by its code point: the texter cannot find it otherwise. */
  invalidCharacter: (codePoint: number): string =>
    `Not posted: X does not accept the character ${unicodeName(codePoint)} in your text. Remove it and send it again.`,

  refused: (reason: Refusal): string => `Not posted: ${REFUSALS[reason]}`,

  gaveUp: (): string => "Not posted: X has been unreachable for an hour. Please send your text again later.",

  /** X's daily cap, whose reset is past the hour a text may wait: `at` is when X takes posts again. */
  /** `at`: when X takes posts again, as `timeFor` writes it. */
  xDailyCap: (at: string): string =>
    `Not posted: X's daily limit for this app is used up. X takes posts again from ${at}.`,

  /** UNDO could not reach X within the hour (or kept failing on our side): nothing was deleted. */
  undoGaveUp: (): string =>
    "Not deleted: X could not be reached. Text UNDO again later to delete your last post.",

  /** The one notice that a number's hourly cap on replies is reached; `resume` as `timeFor` writes it. */
  limitReached: (resume: string): string =>
    `smstweet: reply limit for this hour reached. Your texts are still acted on; replies resume at ${resume}.`,

  /**
   * The one notice that a number had its links for the day: `next` when it can have another, `until`
   * when its last one stops working (null: it no longer does); times as `timeFor` writes them.
   */
  linkLimitReached: (max: number, next: string, until: string | null): string =>
    `Not posted: no new link to connect X until ${next} (${max} a day); texts before then get no answer.` +
    (until === null ? "" : ` Your last link works until ${until}.`),

  /** The same for FORGOT, whose texter may be connected (and posting with the PIN) meanwhile. */
  forgotLimitReached: (max: number, next: string, until: string | null): string =>
    `No new link until ${next} (${max} a day): text FORGOT again then.` +
    (until === null ? "" : ` Your last link works until ${until}.`),

  /** The one notice that a number's posts for the day are used up; later texts until `resume` get none. */
  postLimitReached: (max: number, resume: string): string =>
    `Not posted: you have reached today's limit of ${max} posts. Posting resumes at ${resume}; texts before then are not posted.`,

  /** DONE when the thread has more parts than the day has posts left (but some are left). */
  threadOverLimit: (parts: number, left: number, max: number, roomAt: string | null): string =>
    `Thread not posted: its ${parts} parts are more than the ${left} left of today's ${max} posts. ` +
    (roomAt === null
      ? `Send it again as threads of at most ${max} parts.`
      : `There is room for all from ${roomAt}; send them again then.`),

  /** The answer to an opt-out word Twilio did not act on (`Stop.`): the last text the number gets. */
  optedOut: (): string => "smstweet will send you no more texts. Text START to get them again.",

  /** A job that kept failing on our side (a bug, a broken setup): the texter is told once. */
  failed: (): string => "Not posted: something went wrong on our side. Please send your text again later.",

  cancelled: (parts: number): string =>
    `Cancelled: your last text was not posted${parts > 1 ? ` (${parts} parts)` : ""}. Nothing else changed.`,

  reconnect: (): string =>
    `Your X connection has expired, so your last text was not posted. Reconnect here: ${LINK_PLACEHOLDER}`,

  /** A text while the last link is still fresh: times as `timeFor` writes them ("14:02", "14:02 UTC"). */
  reconnectLinkSent: (sent: string, until: string): string =>
    `Not posted: reconnect your X account first. We texted you a link at ${sent}; it works until ${until}.`,

  linkAlreadySent: (sent: string, until: string): string =>
    `Not posted: connect your X account first. We texted you a link at ${sent}; it works until ${until}.`,

  empty: (): string => "Nothing to post: that text was empty. Text HELP for commands.",

  notConnected: (): string =>
    "No X account is connected, so there is nothing to log out of. Text anything to get a link to connect one.",

  /** HELP before an account is connected: how to connect comes first. */
  helpUnconnected: (): string =>
    "smstweet posts your texts to X. Not connected yet: text anything to get a link to connect your X account. " +
    "DELETE erases your data. STOP ends texts.",

  help: (): string =>
    "smstweet posts every text you send to X. Commands: STATUS, THREAD (send parts, then DONE or DISCARD), " +
    "UNDO deletes your last post, LOGOUT, DELETE erases your data, LOCK 1234 sets a PIN (UNLOCK 1234, FORGOT). " +
    "Start with \\ to post a command word. STOP ends texts.",

  status: (handle: string | null, threadParts: number | null, locked = false): string => {
    if (handle === null) return "No X account is connected. Text anything to get a link to connect one.";
    const connected = `Connected as @${handle}.${locked ? " Locked with a PIN." : ""}`;
    if (threadParts === null) return `${connected} No thread open. Text HELP for commands.`;
    return `${connected} Thread open with ${count(threadParts, "part")}: text DONE to post it or DISCARD to drop it.`;
  },

  threadStarted: (): string =>
    "Thread started. Send each part as its own text, then DONE to post them all, or DISCARD to drop them.",

  threadAlreadyOpen: (parts: number): string =>
    `A thread is already open with ${count(parts, "part")}. Send more parts, DONE to post it, or DISCARD to drop it.`,

  partSaved: (position: number): string =>
    `Part ${position} saved. Send the next part, or DONE to post the thread.`,

  partTooLong: (over: number, fitting: string): string =>
    fitQuote(
      `Part not saved: ${over} over X's 280 limit. It fits up to "{quote}". Shorten it and send it again.`,
      fitting.trimEnd(),
    ) ?? `Part not saved: it is ${over} over X's 280 limit. Shorten it and send it again.`,

  partInvalidCharacter: (codePoint: number): string =>
    `Part not saved: X does not accept the character ${unicodeName(codePoint)} in it. Remove it and send the part again.`,

  noThread: (): string => "No thread is open. Text THREAD to start one.",

  threadEmpty: (): string => "Your thread has no parts yet. Send a part first, or DISCARD to close it.",

  threadPosted: (handle: string, firstPostId: string, parts: number): string =>
    `Thread posted (${count(parts, "part")}): ${postUrl(handle, firstPostId)}`,

  threadStopped: (handle: string, firstPostId: string | null, failedAt: number, reason: Refusal): string =>
    `Thread stopped: X refused part ${failedAt} (${SHORT_REFUSALS[reason]}). ` +
    (firstPostId === null || failedAt === 1
      ? "Nothing was posted."
      : `Parts 1-${failedAt - 1} are up: ${postUrl(handle, firstPostId)}`),

  threadDiscarded: (parts: number): string =>
    `Thread discarded (${count(parts, "part")}). Nothing was posted.`,

  threadExpired: (parts: number): string =>
    `Your thread was open for 24 hours, so it was discarded (${count(parts, "part")}). Nothing was posted.`,

  /** Quotes the deleted post's start (read from X just before), so the texter knows which one went. */
  undone: (text: string): string =>
    (text.trim() &&
      fitQuote(`Deleted "{quote}" from X. UNDO again deletes the one before.`, oneLine(text), 1, "start")) ||
    "Deleted your last post from X. UNDO again deletes the one before.",

  undoAlreadyGone: (): string => "Your last post was already gone from X.",

  /** UNDO's delete refused by X (a suspended account, say): the post stays up. */
  undoRefused: (reason: Refusal): string =>
    `Not deleted: X refused (${SHORT_REFUSALS[reason]}). Delete it at x.com, or text UNDO to try again.`,

  /** X answered the delete with `deleted: false`: it declined, so the post stays up. */
  undoKept: (): string =>
    "Not deleted: X kept your last post. Delete it at x.com, or text UNDO to ask again.",

  partRemoved: (position: number): string =>
    `Part ${position} removed. Send it again, more parts, DONE to post the thread, or DISCARD to drop it.`,

  noPartToUndo: (): string =>
    "Your thread has no parts to remove. Send a part, or DISCARD to close the thread.",

  nothingToUndo: (): string => "Nothing to undo: no post made by text was found.",

  loggedOut: (handle: string, cancelled = 0, droppedParts = 0): string =>
    `Logged out: smstweet no longer posts as @${handle}.` +
    (cancelled > 0 ? ` ${count(cancelled, "waiting text")} not posted.` : "") +
    (droppedParts > 0 ? ` Open thread (${count(droppedParts, "part")}) dropped.` : "") +
    " Text anything to reconnect.",

  deleteRequested: (): string =>
    "Text CONFIRM within 10 minutes to erase your number, your X connection and your history from smstweet.",

  deleted: (): string =>
    "Erased: smstweet no longer holds your number or your X connection. Text again any time to start over.",

  deleteCancelled: (): string =>
    "Deletion cancelled: nothing was erased. That text was not posted; send it again to post it.",

  nothingToConfirm: (): string => "Nothing to confirm. Text DELETE to erase your data from smstweet.",

  welcomeBack: (): string => "Welcome back to smstweet: texts are on again. Text HELP for commands.",

  unsupportedMedia: (): string =>
    "Not posted: smstweet can post JPEG, PNG, GIF or WebP pictures: up to 4 (or 1 GIF), 5 MB each (GIF 15 MB).",

  mediaUnavailable: (): string => "Not posted: your picture could not be fetched. Please send it again.",

  // LOCK (spec: LOCK grammar). A PIN is never quoted back: outbound texts are stored until pruned.

  locked: (): string =>
    "Locked: from now on start every text with your PIN and a space (PIN hello). Text UNLOCK and your PIN to remove it, or FORGOT if lost.",

  lockFormat: (): string =>
    "Not locked: text LOCK and a PIN of 4 to 8 digits, like LOCK 4821. Then start every text with your PIN and a space.",

  alreadyLocked: (): string =>
    "This number is already locked. To change the PIN, text UNLOCK and your PIN, then LOCK and the new PIN.",

  unlockFormat: (): string =>
    "To unlock, text UNLOCK and your PIN, like UNLOCK 4821. Forgot your PIN? Text FORGOT for a link to reconnect.",

  notLocked: (): string =>
    "This number is not locked. To set a PIN, text LOCK and 4 to 8 digits, like LOCK 4821.",

  unlocked: (): string =>
    "Unlocked: texts no longer need your PIN. Text LOCK and 4 to 8 digits to set one again.",

  lockedWithoutPin: (): string =>
    "Not posted: this number is locked. Start your text with your PIN and a space. Forgot your PIN? Text FORGOT.",

  wrongPin: (left: number): string =>
    `Not posted: wrong PIN. ${left} more wrong ${left === 1 ? "PIN" : "PINs"} within 24 hours will freeze this number. Forgot your PIN? Text FORGOT.`,

  frozen: (cancelled = 0): string =>
    "Frozen after 5 wrong PINs: smstweet let go of your X account." +
    (cancelled > 0
      ? ` ${cancelled} waiting ${cancelled === 1 ? "text was" : "texts were"} not posted.`
      : "") +
    " Text anything for a link to connect again.",

  pinUnchecked: (): string =>
    "Not posted: your PIN can no longer be checked (a server key changed). Text FORGOT for a link to reconnect and clear it.",

  forgotLink: (): string =>
    `Connect your X account again to clear your PIN (link valid 15 min): ${LINK_PLACEHOLDER}`,

  forgotCoolingDown: (): string =>
    "A link was sent to you a few minutes ago: use it to reconnect and clear your PIN, or text FORGOT again later.",
} as const;

/** `U+FFFE`: how a character that may not show on a phone's screen can be named. */
function unicodeName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** "1 part", "2 parts": texts read better without "part(s)". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `Posted "Hello from a fl...": <url>` in one segment, or `Posted: <url>` when no quote fits (UCS-2). */
/** A quote on one line: SMS screens are small, and line breaks inside quotes read as the end of the text. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function quoted(text: string, url: string, note = ""): string {
  const quote = oneLine(text);
  return (quote && fitQuote(`Posted "{quote}"${note}: ${url}`, quote, 1, "start")) || `Posted${note}: ${url}`;
}

function postUrl(handle: string, postId: string): string {
  return `https://x.com/${handle}/status/${postId}`;
}

const REFUSALS: Record<Refusal, string> = {
  duplicate: "X refused it as a duplicate of a recent post. Change a word and send it again.",
  reply_not_allowed: "X does not let this app post replies. Post it without replying.",
  suspended: "X says your account is suspended or locked. Check it at x.com.",
  policy: "X refused it under its rules. Check the wording and try again.",
  media: "X did not accept the picture. Send a JPEG, PNG, GIF or WebP under 5 MB.",
  processing: "X could not process the GIF. Send another GIF, or a JPEG or PNG.",
  // Our twitter-text count said it fits; X counted otherwise.
  too_long: "X counts it as over its 280 limit. Shorten it, or text THREAD to post it in parts.",
  invalid: "X rejected it as sent, a fault on our side, not yours. Rewording it may help.",
  not_found: "X could not find the post it replies to.",
  other: "X refused it. Please try again later.",
};

const SHORT_REFUSALS: Record<Refusal, string> = {
  duplicate: "duplicate",
  reply_not_allowed: "replies not allowed for this app",
  suspended: "account suspended",
  policy: "against X rules",
  media: "picture not accepted",
  processing: "GIF not processed",
  too_long: "too long for X",
  invalid: "rejected as invalid",
  not_found: "post not found",
  other: "refused",
};
