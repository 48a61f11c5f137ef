import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { startConnected, type TestService } from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550131";
let svc: TestService;
afterEach(async () => svc?.stop());

const tweetCalls = (s: TestService) =>
  s.x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets").length;

describe("when X is down or rate-limited", () => {
  it("should retry 503s and a 429 until the post lands exactly once", async () => {
    svc = await startConnected(PHONE, "erin");
    svc.x.standIn.failNext("tweets", { status: 503, body: { title: "Service Unavailable" } }, 2);
    const reset = Math.ceil(Date.now() / 1000) + 1;
    svc.x.standIn.failNext("tweets", {
      status: 429,
      body: { title: "Too Many Requests", status: 429 },
      headers: { "x-rate-limit-reset": String(reset), "x-rate-limit-remaining": "0" },
    });
    await svc.text(PHONE, "eventually");
    const reply = await svc.nthTextTo(PHONE, 3);
    expect(reply).toStartWith("Posted");
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
    expect(tweetCalls(svc)).toBe(4);
    expect(svc.x.standIn.posts().map((p) => p.text)).toEqual(["eventually"]);
  });

  it("should treat X's duplicate answer to a retry as posted, and find the post to link it", async () => {
    svc = await startConnected(PHONE, "erin");
    // X accepted the post but the answer was lost: the stand-in stores it, then the client sees a 503.
    svc.x.standIn.failNext("tweets", {
      status: 503,
      body: { title: "Service Unavailable" },
      afterHandling: true,
    });
    await svc.text(PHONE, "accepted, answer lost");
    const reply = await svc.nthTextTo(PHONE, 3);
    const [post] = svc.x.standIn.posts();
    expect(svc.x.standIn.posts()).toHaveLength(1);
    expect(reply).toBe(`Posted "accepted, answer lost": https://x.com/erin/status/${post?.id}`);
  });

  it("should hold a number's later texts behind one that is waiting to retry", async () => {
    svc = await startConnected(PHONE, "erin");
    svc.x.standIn.failNext("tweets", { status: 503 }, 2);
    await svc.text(PHONE, "first");
    await svc.text(PHONE, "second");
    await svc.nthTextTo(PHONE, 4);
    expect(svc.x.standIn.posts().map((p) => p.text)).toEqual(["first", "second"]);
  });

  it("should retry texts to the texter while Twilio fails", async () => {
    svc = await startConnected(PHONE, "erin");
    svc.twilio.standIn.failNext({ status: 500, body: { code: 20500, message: "Internal Server Error" } }, 2);
    await svc.text(PHONE, "reply will be late");
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    expect(svc.textsTo(PHONE)).toHaveLength(3);
  });
});

describe("when X stays down", () => {
  it("should give up after an hour and tell the texter the text was not posted", async () => {
    let offset = 0;
    svc = await startConnected(PHONE, "erin", { clock: { now: () => Date.now() + offset } });
    svc.x.standIn.failNext("tweets", { status: 503 }, 1000);
    await svc.text(PHONE, "doomed");
    await Bun.sleep(300);
    expect(svc.textsTo(PHONE)).toHaveLength(2);
    offset = 61 * 60_000;
    const reply = await svc.nthTextTo(PHONE, 3);
    expect(reply).toContain("Not posted");
    expect(svc.x.standIn.posts()).toHaveLength(0);
  });
});

describe("a texter who opted out at Twilio", () => {
  it("should stop texting them once Twilio answers 21610, while their posts still go out", async () => {
    svc = await startConnected(PHONE, "erin");
    svc.twilio.standIn.optOut(PHONE);
    await svc.text(PHONE, "posted quietly");
    await svc.text(PHONE, "and again");
    await waitFor(() => svc.x.standIn.posts().length === 2, "both posts");
    await svc.service.delivery.idle();
    await Bun.sleep(200);
    const attempts = svc.twilio.standIn.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/Messages.json"),
    );
    // Two texts before the opt-out, one refused with 21610, then none attempted.
    expect(attempts).toHaveLength(3);
  });
});
