import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { XGateway } from "../../src/x/gateway";
import { jobsOf } from "../support/jobs";
import { FAST_POLICY, livePosts, startConnected, type TestService } from "../support/service";
import { PNG } from "../support/stack";
import { waitFor } from "../support/wait";
import { startX } from "../support/x";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550181";
let svc: TestService;
afterEach(async () => svc?.stop());

const tweetCalls = (s: TestService): number =>
  s.x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets").length;
const sendsTo = (s: TestService, phone: string): number => s.twilio.standIn.messagesTo(phone).length;

/** Times at which the count returned by `count` went up, watched until it reaches `total`. */
async function arrivals(count: () => number, total: number, what: string): Promise<number[]> {
  const times: number[] = [];
  let seen = count();
  await waitFor(() => {
    const now = count();
    for (; seen < now; seen++) times.push(performance.now());
    return now >= total;
  }, what);
  return times;
}

const HTML = {
  body: "<!doctype html><html><body><h1>Over capacity</h1></body></html>",
  contentType: "text/html",
};

describe("when Twilio accepts a text but its answer cannot be read", () => {
  for (const [name, raw] of [
    ["an empty body", { body: "" }],
    ["a body that is not JSON", { body: "OK", contentType: "text/plain" }],
    ["an HTML page", HTML],
  ] as const) {
    it(`should treat a 2xx with ${name} as sent and never send it again`, async () => {
      svc = await startConnected(PHONE, "fay");
      svc.twilio.standIn.failNext({ status: 201, raw, afterHandling: true });
      await svc.text(PHONE, "answer unreadable");
      await svc.nthTextTo(PHONE, 3);
      await svc.service.delivery.idle();
      const [job] = (await jobsOf(svc.db, "sms")).slice(-1);
      expect(job).toMatchObject({ state: "done", attempts: 1 });
      await svc.text(PHONE, "STATUS");
      await svc.nthTextTo(PHONE, 4);
      // Exactly the connected text, the one confirmation and the STATUS reply: nothing was sent twice.
      expect(sendsTo(svc, PHONE)).toBe(4);
    });
  }
});

describe("when X answers something that cannot be read", () => {
  it("should retry an HTML page, {} and a redirect with growing pauses and post once when X recovers", async () => {
    svc = await startConnected(PHONE, "fay");
    svc.x.standIn.failNext("tweets", { status: 200, raw: HTML });
    svc.x.standIn.failNext("tweets", { status: 200, body: {} });
    svc.x.standIn.failNext("tweets", { status: 302, headers: { location: "https://x.com/account/access" } });
    const before = tweetCalls(svc);
    await svc.text(PHONE, "through the weather");
    const times = await arrivals(() => tweetCalls(svc) - before, 4, "four tries at X");
    const reply = await svc.nthTextTo(PHONE, 3);
    const posts = livePosts(svc);
    expect(posts.map((p) => p.text)).toEqual(["through the weather"]);
    expect(reply).toBe(`Posted "through the weather": https://x.com/fay/status/${posts[0]?.id}`);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
    expect((await jobsOf(svc.db, "post"))[0]).toMatchObject({ state: "done", faults: 3 });
  });

  it("should find a post X made before answering {} and not post it again", async () => {
    svc = await startConnected(PHONE, "fay");
    svc.x.standIn.failNext("tweets", { status: 200, body: {}, afterHandling: true });
    await svc.text(PHONE, "made, answer unreadable");
    const reply = await svc.nthTextTo(PHONE, 3);
    const posts = livePosts(svc);
    expect(posts).toHaveLength(1);
    expect(reply).toBe(`Posted "made, answer unreadable": https://x.com/fay/status/${posts[0]?.id}`);
    expect(tweetCalls(svc)).toBe(1);
  });
});

describe("a picture-only post whose answer comes after the client's timeout", () => {
  it("should be on X once, and confirmed with its link", async () => {
    const x = await startX({ timeoutMs: 400 });
    svc = await startConnected(PHONE, "fay", { x });
    try {
      // X makes the post, but its answer arrives after the client gave up: no text for X's duplicate check.
      x.standIn.failNext("tweets", { afterHandling: true, delayMs: 1_200 });
      await svc.mms(PHONE, "", [{ bytes: PNG, contentType: "image/png" }]);
      const reply = await svc.nthTextTo(PHONE, 3);
      const posts = livePosts(svc);
      expect(posts).toHaveLength(1);
      expect(posts[0]?.mediaIds).toHaveLength(1);
      expect(reply).toBe(`Posted: https://x.com/fay/status/${posts[0]?.id}`);
      expect((await jobsOf(svc.db, "post"))[0]?.attempts).toBeGreaterThan(1);
    } finally {
      await svc.stop();
      await x.stop();
    }
  });
});

describe("an UNDO that X keeps answering with nonsense", () => {
  it("should give up after the fault cap and say nothing was deleted", async () => {
    svc = await startConnected(PHONE, "fay", { policy: { ...FAST_POLICY, maxFaults: 3 } });
    await svc.text(PHONE, "keep me or not");
    await svc.nthTextTo(PHONE, 3);
    svc.x.standIn.failNext("delete_tweet", { status: 200, body: {} }, 10);
    await svc.text(PHONE, "UNDO");
    expect(await svc.nthTextTo(PHONE, 4)).toBe(
      "Not deleted: X could not be reached. Text UNDO again later to delete your last post.",
    );
    expect(livePosts(svc)).toHaveLength(1);
    expect((await jobsOf(svc.db, "undo"))[0]).toMatchObject({ state: "failed", faults: 3 });
  });
});

describe("a job that keeps throwing", () => {
  it("should back off, end failed, and tell the texter once", async () => {
    const x = await startX();
    const broken: XGateway = {
      ...x.gateway,
      post: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      },
    };
    svc = await startConnected(PHONE, "fay", {
      x: { ...x, gateway: broken },
      policy: { ...FAST_POLICY, maxFaults: 3 },
    });
    try {
      await svc.text(PHONE, "meets a bug");
      const reply = await svc.nthTextTo(PHONE, 3);
      expect(reply).toBe("Not posted: something went wrong on our side. Please send your text again later.");
      const [job] = await jobsOf(svc.db, "post");
      expect(job).toMatchObject({ state: "failed", attempts: 3, faults: 3 });
      expect(job?.lastError).toContain("TypeError");
      await svc.service.delivery.idle();
      expect(sendsTo(svc, PHONE)).toBe(3);
      // The lane is free again: the next text goes through the same (broken) path and is answered too.
      await svc.text(PHONE, "STATUS");
      expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Connected as @fay");
    } finally {
      await svc.stop();
      await x.stop();
    }
  });
});

describe("X's daily cap and long outages take no hostages", () => {
  it("should end a post held by a 20-hour 429 at once, saying when X takes posts again", async () => {
    svc = await startConnected(PHONE, "fay");
    const reset = Math.floor(Date.now() / 1000) + 20 * 3600;
    svc.x.standIn.failNext("tweets", {
      status: 429,
      body: { title: "Too Many Requests", status: 429 },
      headers: { "x-rate-limit-reset": String(reset), "x-rate-limit-remaining": "0" },
    });
    await svc.text(PHONE, "capped");
    const hhmm = new Date(reset * 1000).toISOString().slice(11, 16);
    expect(await svc.nthTextTo(PHONE, 3)).toBe(
      `Not posted: X's daily limit for this app is used up. X takes posts again from ${hhmm} UTC.`,
    );
    await svc.text(PHONE, "STATUS");
    expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Connected as @fay");
    expect((await jobsOf(svc.db, "post"))[0]).toMatchObject({ state: "failed" });
  });

  it("should take back a post still waiting for X on UNDO, and post nothing when X recovers", async () => {
    svc = await startConnected(PHONE, "fay");
    // A 429 says for sure that X did nothing: the waiting post can be taken back unseen.
    svc.x.standIn.failNext("tweets", {
      status: 429,
      body: { title: "Too Many Requests", status: 429 },
      headers: { "x-rate-limit-reset": String(Math.ceil(Date.now() / 1000) + 2) },
    });
    await svc.text(PHONE, "a slip, waiting");
    await waitFor(() => tweetCalls(svc) >= 1, "the post to be tried");
    await svc.text(PHONE, "UNDO");
    expect(await svc.nthTextTo(PHONE, 3)).toBe(
      "Cancelled: your last text was not posted. Nothing else changed.",
    );
    await svc.text(PHONE, "the real one");
    expect(await svc.nthTextTo(PHONE, 4)).toMatch(/^Posted.*: https:\/\/x\.com\/fay\/status\//);
    expect(livePosts(svc).map((p) => p.text)).toEqual(["the real one"]);
  });

  it("should delete a post on UNDO that may have reached X before its answer was lost, once it is resolved", async () => {
    svc = await startConnected(PHONE, "fay");
    // X made the post but its edge answered 503: the retry finds it on the timeline, then UNDO deletes it.
    svc.x.standIn.failNext("tweets", { status: 503, afterHandling: true });
    await svc.text(PHONE, "maybe up already");
    await waitFor(() => tweetCalls(svc) >= 1, "the post to be tried");
    await svc.text(PHONE, "UNDO");
    const replies = [await svc.nthTextTo(PHONE, 3), await svc.nthTextTo(PHONE, 4)];
    expect(replies[0]).toMatch(/^Posted.*: https:\/\/x\.com\/fay\/status\//);
    expect(replies[1]).toBe('Deleted "maybe up already" from X. UNDO again deletes the one before.');
    expect(livePosts(svc)).toHaveLength(0);
    expect(tweetCalls(svc)).toBe(1);
  });

  it("should answer STATUS and HELP at once while a post waits out an outage, and LOGOUT should cancel it", async () => {
    svc = await startConnected(PHONE, "fay");
    svc.x.standIn.failNext("tweets", { status: 503 }, 1_000);
    svc.x.standIn.failNext("revoke", { status: 503 }, 1_000);
    await svc.text(PHONE, "stuck behind an outage");
    await waitFor(() => tweetCalls(svc) >= 2, "the post to be retrying");
    await svc.text(PHONE, "STATUS");
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Connected as @fay");
    await svc.text(PHONE, "HELP");
    expect(await svc.nthTextTo(PHONE, 4)).toContain("Commands:");
    await svc.text(PHONE, "LOGOUT");
    expect(await svc.nthTextTo(PHONE, 5)).toBe(
      "Logged out: smstweet no longer posts as @fay. 1 waiting text not posted. Text anything to reconnect.",
    );
    expect(livePosts(svc)).toHaveLength(0);
    // The revocation waits for X in the background; the texter is already disconnected.
    const revoke = (await jobsOf(svc.db, "revoke"))[0];
    expect(revoke?.state === "pending" || revoke?.state === "running").toBe(true);
    const calls = tweetCalls(svc);
    await svc.service.delivery.idle();
    expect(tweetCalls(svc)).toBe(calls);
  });
});
