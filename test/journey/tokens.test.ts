import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { getTexter } from "../../src/db/texters";
import {
  connectThroughBrowser,
  linkIn,
  livePosts,
  startConnected,
  type TestService,
} from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550121";
let svc: TestService;
afterEach(async () => svc?.stop());

const refreshes = (s: TestService) =>
  s.x.standIn.requests.filter((r) => r.path === "/2/oauth2/token").length - 1; // minus the code exchange
describe("X tokens", () => {
  it("should refresh a rejected access token and keep the rotated refresh token for the next refresh", async () => {
    svc = await startConnected(PHONE, "dana");
    const before = await getTexter(svc.db, PHONE);
    svc.x.standIn.expireAccessTokens("dana");
    await svc.text(PHONE, "after first expiry");
    expect(await svc.nthTextTo(PHONE, 3)).toMatch(/^Posted.*: https:\/\/x\.com\/dana\/status\//);
    const after = await getTexter(svc.db, PHONE);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);

    svc.x.standIn.expireAccessTokens("dana");
    await svc.text(PHONE, "after second expiry");
    expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Posted");
    expect(refreshes(svc)).toBe(2);
    expect(livePosts(svc).map((p) => p.text)).toEqual(["after first expiry", "after second expiry"]);
  });

  it("should refresh before expiry by its own clock, once, when five texts arrive together", async () => {
    let offset = 0;
    svc = await startConnected(PHONE, "dana", { clock: { now: () => Date.now() + offset } });
    offset = 3 * 60 * 60_000; // past the two-hour access token
    svc.x.standIn.delayMs = 30;
    await Promise.all([1, 2, 3, 4, 5].map((n) => svc.text(PHONE, `part ${n}`)));
    await waitFor(() => svc.textsTo(PHONE).length === 7, "five confirmations", 15_000);
    expect(livePosts(svc).map((p) => p.text)).toEqual(["part 1", "part 2", "part 3", "part 4", "part 5"]);
    expect(refreshes(svc)).toBe(1);
    const row = await getTexter(svc.db, PHONE);
    expect(row?.refreshToken).toStartWith("v2.");
    await svc.text(PHONE, "still connected");
    expect(await svc.nthTextTo(PHONE, 8)).toStartWith("Posted");
  });

  it("should send a new link when the refresh token is dead, and reconnecting should work", async () => {
    svc = await startConnected(PHONE, "dana");
    svc.x.standIn.revokeTokens("dana");
    await svc.text(PHONE, "will not be posted");
    const notice = await svc.nthTextTo(PHONE, 3);
    expect(notice).toContain("not posted");
    expect(livePosts(svc)).toHaveLength(0);
    const row = await getTexter(svc.db, PHONE);
    expect(row?.accessToken).toBeNull();
    expect(row?.refreshToken).toBeNull();
    // Never silent while the reconnect link is fresh: when it went out, until when it works, nothing posted.
    await svc.text(PHONE, "still there?");
    expect(await svc.nthTextTo(PHONE, 4)).toMatch(
      /^Not posted: reconnect your X account first\. We texted you a link at \d\d:\d\d UTC; it works until \d\d:\d\d UTC\.$/,
    );

    expect((await connectThroughBrowser(svc.url, svc.x, linkIn(notice), "dana")).status).toBe(200);
    expect(await svc.nthTextTo(PHONE, 5)).toStartWith("Connected as @dana");
    await svc.text(PHONE, "back again");
    expect(await svc.nthTextTo(PHONE, 6)).toStartWith("Posted");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["back again"]);
  });
});
