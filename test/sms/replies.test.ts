import { describe, expect, it } from "bun:test";
import fc from "fast-check";
import { SegmentedMessage } from "sms-segments-calculator";
import { replies } from "../../src/sms/replies";
import { fitQuote, measureSms } from "../../src/sms/segments";
import type { Refusal } from "../../src/x/gateway";
import { SEGMENT_SAMPLES, segmentTexts } from "../support/segment-cases";

// Worst cases: a long https origin with a 43-character token, 15-character handles, 19-digit ids.
const LINK = `https://smstweet.example.org/auth/${"A".repeat(43)}`;
const HANDLE = "a_fifteen_chars";
const POST_ID = "1990000000000000000";
const withLink = (body: string): string => body.replace("{link}", LINK);

const REFUSALS: Refusal[] = [
  "duplicate",
  "reply_not_allowed",
  "suspended",
  "policy",
  "media",
  "processing",
  "too_long",
  "invalid",
  "not_found",
  "other",
];

/** Every text the service sends, with its budget in segments (HELP may take two). */
const TABLE: [name: string, body: string, budget: number][] = [
  ["welcome", withLink(replies.welcome()), 1],
  ["connected", replies.connected(HANDLE), 1],
  ["posted", replies.posted(HANDLE, POST_ID, "word ".repeat(56)), 1],
  ["posted (picture skipped)", replies.posted(HANDLE, POST_ID, "word ".repeat(56), 4), 1],
  ["posted (emoji)", replies.posted(HANDLE, POST_ID, "🎉 ".repeat(100)), 1],
  ["posted (escapes)", replies.posted(HANDLE, POST_ID, "{[~]}".repeat(50)), 1],
  ["postedEarlier", replies.postedEarlier(HANDLE, "word ".repeat(56)), 1],
  ["gaveUp", replies.gaveUp(), 1],
  ["xDailyCap", replies.xDailyCap("23:59 UTC"), 1],
  ["failed", replies.failed(), 1],
  ["limitReached", replies.limitReached("23:59 UTC"), 1],
  ["linkLimitReached", replies.linkLimitReached(999, "23:59 UTC", null), 1],
  ["linkLimitReached (link still works)", replies.linkLimitReached(999, "23:59 UTC", "23:59 UTC"), 1],
  ["forgotLimitReached", replies.forgotLimitReached(999, "23:59 UTC", null), 1],
  ["forgotLimitReached (link still works)", replies.forgotLimitReached(999, "23:59 UTC", "23:59 UTC"), 1],
  ["postLimitReached", replies.postLimitReached(99999, "23:59 UTC"), 1],
  ["threadOverLimit", replies.threadOverLimit(999, 99998, 99999, "23:59 UTC"), 1],
  ["threadOverLimit (never room)", replies.threadOverLimit(99999, 99998, 99999, null), 1],
  ["optedOut", replies.optedOut(), 1],
  ["undoGaveUp", replies.undoGaveUp(), 1],
  ["cancelled", replies.cancelled(25), 1],
  ["reconnect", withLink(replies.reconnect()), 1],
  ["reconnectLinkSent", replies.reconnectLinkSent("23:59 UTC", "23:59 UTC"), 1],
  ["linkAlreadySent", replies.linkAlreadySent("23:59 UTC", "23:59 UTC"), 1],
  ["empty", replies.empty(), 1],
  ["notConnected", replies.notConnected(), 1],
  ["help", replies.help(), 2],
  ["status (none)", replies.status(null, null), 1],
  ["status (connected)", replies.status(HANDLE, null), 1],
  ["status (thread)", replies.status(HANDLE, 25), 1],
  ["status (locked)", replies.status(HANDLE, null, true), 1],
  ["status (locked, thread)", replies.status(HANDLE, 25, true), 1],
  ["threadStarted", replies.threadStarted(), 1],
  ["threadAlreadyOpen", replies.threadAlreadyOpen(25), 1],
  ["partSaved", replies.partSaved(25), 1],
  ["noThread", replies.noThread(), 1],
  ["threadEmpty", replies.threadEmpty(), 1],
  ["threadPosted", replies.threadPosted(HANDLE, POST_ID, 25), 1],
  ["threadDiscarded", replies.threadDiscarded(25), 1],
  ["threadDiscarded (one part)", replies.threadDiscarded(1), 1],
  ["threadExpired", replies.threadExpired(25), 1],
  ["undone", replies.undone("word ".repeat(56)), 1],
  ["undone (picture only)", replies.undone(""), 1],
  ["undoAlreadyGone", replies.undoAlreadyGone(), 1],
  ["undoKept", replies.undoKept(), 1],
  ["undoRefused", replies.undoRefused("suspended"), 1],
  ["undoRefused, longest reason", replies.undoRefused("invalid"), 1],
  ["nothingToUndo", replies.nothingToUndo(), 1],
  ["partRemoved", replies.partRemoved(25), 1],
  ["noPartToUndo", replies.noPartToUndo(), 1],
  ["loggedOut", replies.loggedOut(HANDLE), 1],
  ["loggedOut (cancelled)", replies.loggedOut(HANDLE, 99), 1],
  ["loggedOut (cancelled, thread dropped)", replies.loggedOut(HANDLE, 99, 25), 1],
  ["helpUnconnected", replies.helpUnconnected(), 1],
  ["deleteRequested", replies.deleteRequested(), 1],
  ["deleted", replies.deleted(), 1],
  ["nothingToConfirm", replies.nothingToConfirm(), 1],
  ["deleteCancelled", replies.deleteCancelled(), 1],
  ["welcomeBack", replies.welcomeBack(), 1],
  ["unsupportedMedia", replies.unsupportedMedia(), 1],
  ["mediaUnavailable", replies.mediaUnavailable(), 1],
  ["locked", replies.locked(), 1],
  ["lockFormat", replies.lockFormat(), 1],
  ["alreadyLocked", replies.alreadyLocked(), 1],
  ["unlockFormat", replies.unlockFormat(), 1],
  ["notLocked", replies.notLocked(), 1],
  ["unlocked", replies.unlocked(), 1],
  ["lockedWithoutPin", replies.lockedWithoutPin(), 1],
  ["wrongPin", replies.wrongPin(4), 1],
  ["wrongPin (last)", replies.wrongPin(1), 1],
  ["frozen", replies.frozen(), 1],
  ["frozen (cancelled)", replies.frozen(99), 1],
  ["pinUnchecked", replies.pinUnchecked(), 1],
  ["forgotLink", withLink(replies.forgotLink()), 1],
  ["forgotCoolingDown", replies.forgotCoolingDown(), 1],
  ["tooLong", replies.tooLong(999, "word ".repeat(60)), 1],
  ["partTooLong", replies.partTooLong(999, "word ".repeat(60)), 1],
  ["invalidCharacter", replies.invalidCharacter(0x10ffff), 1],
  ["partInvalidCharacter", replies.partInvalidCharacter(0x10ffff), 1],
  ...REFUSALS.map((reason): [string, string, number] => [`refused:${reason}`, replies.refused(reason), 1]),
  ...REFUSALS.flatMap((reason): [string, string, number][] => [
    [`threadStopped:${reason}`, replies.threadStopped(HANDLE, POST_ID, 25, reason), 1],
    [`threadStopped:${reason} (first part)`, replies.threadStopped(HANDLE, null, 1, reason), 1],
  ]),
];

describe("replies", () => {
  it.each(TABLE)("should keep %s within its segment budget, in GSM-7", (_name, body, budget) => {
    const reference = new SegmentedMessage(body);
    expect(reference.encodingName).toBe("GSM-7");
    expect(reference.segmentsCount).toBeLessThanOrEqual(budget);
  });

  it("should agree with sms-segments-calculator on every reply", () => {
    for (const [, body] of TABLE) {
      const reference = new SegmentedMessage(body);
      expect(measureSms(body)).toEqual({
        segments: reference.segmentsCount,
        encoding: reference.encodingName,
      });
    }
  });

  it("should put the link into the texts that need one", () => {
    expect(replies.welcome()).toContain("{link}");
    expect(replies.reconnect()).toContain("{link}");
    expect(replies.forgotLink()).toContain("{link}");
  });

  it("should say how far over the limit a text is and quote the end of what fits", () => {
    const body = replies.tooLong(40, `start ${"filler ".repeat(38)}the very last words`);
    expect(body).toContain("40 over");
    expect(body).toContain("THREAD");
    expect(body).toContain('the very last words"');
    expect(body).not.toContain("start");
  });

  it("should drop a quote that would force UCS-2 and still say how far over it is", () => {
    const body = replies.tooLong(3, "日本語のテキスト ".repeat(20));
    expect(new SegmentedMessage(body).encodingName).toBe("GSM-7");
    expect(body).toContain("3 over");
  });
});

describe("measureSms", () => {
  it.each(SEGMENT_SAMPLES.map((sample) => [sample]))(
    "should count %p as sms-segments-calculator does",
    (sample) => {
      const reference = new SegmentedMessage(sample);
      expect(measureSms(sample)).toEqual({
        segments: reference.segmentsCount,
        encoding: reference.encodingName,
      });
    },
  );

  it("should count random mixes of one- and two-unit characters as sms-segments-calculator does", () => {
    fc.assert(
      fc.property(segmentTexts, (text) => {
        const reference = new SegmentedMessage(text);
        expect(measureSms(text)).toEqual({
          segments: reference.segmentsCount,
          encoding: reference.encodingName,
        });
      }),
      { numRuns: 200 },
    );
  }, 30_000); // sms-segments-calculator is slow under Bun (see src/sms/segments.ts): room for a loaded CI machine

  it("should fit a quote to one segment and give up when only UCS-2 would do", () => {
    expect(fitQuote('say "{quote}"', "short")).toBe('say "short"');
    const fitted = fitQuote('say "{quote}"', "x".repeat(400)) ?? "";
    expect(measureSms(fitted).segments).toBe(1);
    expect(fitted.length).toBe(160);
    expect(fitQuote(`${"y".repeat(100)} "{quote}"`, "日本語".repeat(10))).toBeNull();
  });
});

describe("plurals", () => {
  it("should say 1 part and 2 parts, never part(s)", () => {
    expect(replies.threadPosted("fern", "1", 1)).toStartWith("Thread posted (1 part):");
    expect(replies.threadPosted("fern", "1", 2)).toStartWith("Thread posted (2 parts):");
    expect(replies.status("fern", 1)).toContain("Thread open with 1 part:");
    expect(replies.threadDiscarded(1)).toBe("Thread discarded (1 part). Nothing was posted.");
    expect(replies.threadExpired(3)).toContain("(3 parts)");
    const all = [replies.threadAlreadyOpen(1), replies.threadDiscarded(0), replies.threadExpired(1)].join(
      " ",
    );
    expect(all).not.toContain("(s)");
  });
});

describe("confirmations", () => {
  it("should quote the start of the post, shortened to stay one segment", () => {
    const reply = replies.posted(
      "fern",
      "123",
      "Hello from a flip phone, on a train with no signal to speak of, texting my first post to X, which is a long one, as you can see.",
    );
    expect(reply).toMatch(
      /^Posted "Hello from a flip phone, on a train with no signal.*\.\.\.": https:\/\/x\.com\/fern\/status\/123$/,
    );
    expect(measureSms(reply).segments).toBe(1);
    expect(replies.posted("fern", "123", "short one")).toBe(
      'Posted "short one": https://x.com/fern/status/123',
    );
    expect(replies.posted("fern", "123", "two\n\nlines")).toBe(
      'Posted "two lines": https://x.com/fern/status/123',
    );
  });

  it("should quote a text that needs UCS-2 only while it stays one segment, and not quote an empty one", () => {
    expect(replies.posted("fern", "123", "こんにちは世界")).toBe(
      'Posted "こんにちは世界": https://x.com/fern/status/123',
    );
    const long = replies.posted("fern", "123", "こんにちは世界".repeat(10));
    expect(measureSms(long).segments).toBe(1);
    expect(long).toEndWith('...": https://x.com/fern/status/123');
    expect(replies.posted("fern", "123", "")).toBe("Posted: https://x.com/fern/status/123");
  });
});
