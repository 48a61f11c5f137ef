import { describe, expect, it } from "bun:test";
import { replies } from "../../src/sms/replies";
import { measureSms } from "../../src/sms/segments";
import type { Refusal } from "../../src/x/gateway";

// A realistic one-time link: an https origin and a 43-character token.
const LINK = `https://smstweet.example.org/auth/${"A".repeat(43)}`;
const HANDLE = "a_fifteen_chars"; // X handles are at most 15 characters
const POST_ID = "1990000000000000000";
const withLink = (body: string): string => body.replace("{link}", LINK);

const REFUSALS: Refusal[] = ["duplicate", "reply_not_allowed", "suspended", "policy", "media", "other"];

const fixed: [string, string][] = [
  ["welcome", withLink(replies.welcome())],
  ["connected", replies.connected(HANDLE)],
  ["posted", replies.posted(HANDLE, POST_ID)],
  ["postedEarlier", replies.postedEarlier(HANDLE)],
  ["gaveUp", replies.gaveUp()],
  ["reconnect", withLink(replies.reconnect())],
  ["reconnectLinkSent", replies.reconnectLinkSent()],
  ...REFUSALS.map((reason): [string, string] => [`refused:${reason}`, replies.refused(reason)]),
];

describe("replies", () => {
  it.each(fixed)("should fit %s in one GSM-7 segment", (_name, body) => {
    expect(measureSms(body)).toEqual({ segments: 1, encoding: "GSM-7" });
  });

  it("should put the link into the texts that need one", () => {
    expect(replies.welcome()).toContain("{link}");
    expect(replies.reconnect()).toContain("{link}");
  });

  it("should say how far over the limit a text is and keep a GSM-7 quote within one segment", () => {
    const body = replies.tooLong(12, `${"word ".repeat(55)}end`);
    expect(body).toContain("12 over");
    expect(body).toContain("THREAD");
    expect(body).toContain("end");
    expect(measureSms(body).segments).toBe(1);
  });

  it("should drop a quote that would force UCS-2 and still say how far over it is", () => {
    const body = replies.tooLong(3, "日本語のテキスト ".repeat(20));
    expect(measureSms(body)).toEqual({ segments: 1, encoding: "GSM-7" });
    expect(body).toContain("3 over");
  });

  it("should quote the end of the part that fits, not its start", () => {
    const body = replies.tooLong(40, `start ${"filler ".repeat(38)}the very last words`);
    expect(body).toContain('the very last words"');
    expect(body).not.toContain("start");
  });
});
