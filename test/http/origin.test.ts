import { describe, expect, it } from "bun:test";
import { type OriginVerdict, requestSource, verifyRequestOrigin } from "../../src/http/origin";

const OURS = "https://smstweet.test";

const check = (origin: string | null, fetchSite: string | null = null): OriginVerdict =>
  verifyRequestOrigin({ origin, fetchSite }, OURS);

describe("verifyRequestOrigin", () => {
  it.each([
    ["our own origin", OURS, null],
    ["our own origin with Sec-Fetch-Site: same-origin", OURS, "same-origin"],
    ["our origin with its default port spelled out", "https://smstweet.test:443", null],
    ["our origin in capitals (scheme and host are case-insensitive)", "HTTPS://SmsTweet.TEST", null],
    ["no Origin, Sec-Fetch-Site: same-origin", null, "same-origin"],
    ["no Origin, Sec-Fetch-Site: none (the texter's own action)", null, "none"],
    ["no Origin and no Sec-Fetch-Site (an old phone browser)", null, null],
  ] as const)("should accept %s", (_, origin, fetchSite) => {
    expect(check(origin, fetchSite)).toEqual({ ok: true });
  });

  it.each([
    ["another site", "https://evil.example", null, "foreign_origin"],
    ["a sibling subdomain", "https://evil.smstweet.test", null, "foreign_origin"],
    ["our host over plain http", "http://smstweet.test", null, "foreign_origin"],
    ["our host on another port", "https://smstweet.test:8443", null, "foreign_origin"],
    ["our host as a suffix of another", "https://smstweet.test.evil.example", null, "foreign_origin"],
    ["Origin: null", "null", null, "null_origin"],
    ["Origin: null even with Sec-Fetch-Site: same-origin", "null", "same-origin", "null_origin"],
    ["our origin with a trailing slash (not an origin's shape)", `${OURS}/`, null, "malformed_origin"],
    ["our origin with a path", `${OURS}/auth`, null, "malformed_origin"],
    ["an origin with userinfo", "https://smstweet.test@evil.example", null, "malformed_origin"],
    ["a non-http scheme", "file://smstweet.test", null, "malformed_origin"],
    ["garbage", "not an origin", null, "malformed_origin"],
    ["an empty Origin", "", null, "malformed_origin"],
    ["no Origin, Sec-Fetch-Site: cross-site", null, "cross-site", "cross_site"],
    ["no Origin, Sec-Fetch-Site: same-site", null, "same-site", "cross_site"],
    ["no Origin, an unknown Sec-Fetch-Site", null, "somewhere", "cross_site"],
    [
      "our origin with Sec-Fetch-Site: cross-site (after a cross-site redirect)",
      OURS,
      "cross-site",
      "cross_site",
    ],
  ] as const)("should refuse %s", (_, origin, fetchSite, reason) => {
    expect(check(origin, fetchSite)).toEqual({ ok: false, reason });
  });

  it("should compare against the origin of PUBLIC_URL, whatever path or slash it is written with", () => {
    expect(verifyRequestOrigin({ origin: OURS, fetchSite: null }, `${OURS}/`)).toEqual({ ok: true });
  });

  it("should read both headers from a request", () => {
    const headers = new Headers({ origin: OURS, "sec-fetch-site": "same-origin" });
    expect(requestSource(headers)).toEqual({ origin: OURS, fetchSite: "same-origin" });
    expect(requestSource(new Headers())).toEqual({ origin: null, fetchSite: null });
  });
});
