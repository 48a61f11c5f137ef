import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { startAppProcess } from "../support/process";
import { appEnvironment, connectPhone, repliesAfterConnecting, texter } from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

let x: XHarness;
let twilio: TwilioFixture;
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterAll(async () => {
  await x.stop();
  await twilio.stop();
});

const PHONES = ["+14155550151", "+14155550152", "+14155550153"];

describe("a crash while posts are in flight", () => {
  it("should post every message exactly once after SIGKILL and a restart", async () => {
    const { env, publicUrl } = appEnvironment(x, twilio);
    const text = texter(twilio, publicUrl);

    let app = await startAppProcess(env);
    for (const [i, phone] of PHONES.entries()) await connectPhone(app, text, x, twilio, phone, `user${i}`);

    x.standIn.delayMs = 150;
    const bodies = PHONES.flatMap((phone, p) =>
      [1, 2, 3, 4].map((n) => ({ phone, body: `crash test ${p}.${n}` })),
    );
    for (const { phone, body } of bodies) expect((await text(app, phone, body)).status).toBe(200);
    await waitFor(() => x.standIn.posts().length >= 2, "some posts to land");
    app.process.kill("SIGKILL");
    await app.process.exited;
    const landedBeforeCrash = x.standIn.posts().length;
    expect(landedBeforeCrash).toBeLessThan(bodies.length);

    app = await startAppProcess(env);
    // A text Twilio took just before the kill is looked up at Twilio, not sent again.
    const confirmations = (phone: string): string[] => repliesAfterConnecting(twilio, phone);
    try {
      await waitFor(
        () => PHONES.every((phone) => confirmations(phone).length >= 4),
        "a reply to every text",
        30_000,
      );
      const posted = x.standIn.posts().map((p) => p.text);
      expect(posted.toSorted()).toEqual(bodies.map((b) => b.body).toSorted());
      for (const [p, phone] of PHONES.entries()) {
        expect(confirmations(phone)).toHaveLength(4);
        for (const reply of confirmations(phone))
          expect(reply).toMatch(new RegExp(`^Posted.*: https://x\\.com/user${p}`));
        const mine = posted.filter((t) => t.startsWith(`crash test ${p}.`));
        expect(mine).toEqual([1, 2, 3, 4].map((n) => `crash test ${p}.${n}`));
      }
      // Logs carry neither message bodies nor full phone numbers.
      expect(app.output()).toContain("inbound.done");
      expect(app.output()).not.toContain("crash test");
      for (const phone of PHONES) expect(app.output()).not.toContain(phone.slice(2));
    } finally {
      app.process.kill("SIGTERM");
      await app.process.exited;
    }
  }, 60_000);

  it("should resume a thread interrupted after its second part with the third part only", async () => {
    const { env, publicUrl } = appEnvironment(x, twilio);
    const text = texter(twilio, publicUrl);
    const phone = "+14155550159";
    const texts = () => twilio.standIn.messagesTo(phone).map((m) => m.body);
    x.standIn.delayMs = 0;
    let app = await startAppProcess(env);
    try {
      await connectPhone(app, text, x, twilio, phone, "threader");
      await text(app, phone, "THREAD");
      for (const [n, part] of ["alpha", "beta", "gamma"].entries()) {
        await text(app, phone, part);
        await waitFor(() => texts().length === 4 + n, `part ${n + 1} saved`);
      }
      const before = x.standIn.posts().length;
      const tweetCalls = () =>
        x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets").length;
      // The third part's request is held at X until the process has died under it.
      x.standIn.passNext("tweets", 2);
      x.standIn.failNext("tweets", { status: 503, delayMs: 3_000 });
      const callsBefore = tweetCalls();
      await text(app, phone, "DONE");
      await waitFor(() => tweetCalls() === callsBefore + 3, "the third part in flight");
      app.process.kill("SIGKILL");
      await app.process.exited;
      expect(
        x.standIn
          .posts()
          .slice(before)
          .map((p) => p.text),
      ).toEqual(["alpha", "beta"]);
      const callsAtCrash = tweetCalls();

      app = await startAppProcess(env);
      const done = await waitFor(
        () => texts().find((t) => t.startsWith("Thread posted")),
        "the thread reply",
        15_000,
      );
      const thread = x.standIn.posts().slice(before);
      expect(thread.map((p) => p.text)).toEqual(["alpha", "beta", "gamma"]);
      expect(thread[1]?.replyTo).toBe(thread[0]?.id ?? "-");
      expect(thread[2]?.replyTo).toBe(thread[1]?.id ?? "-");
      expect(done).toBe(`Thread posted (3 parts): https://x.com/threader/status/${thread[0]?.id}`);
      expect(tweetCalls() - callsAtCrash).toBe(1); // the third part only: nothing was sent to X twice
    } finally {
      app.process.kill("SIGTERM");
      await app.process.exited;
    }
  }, 60_000);
});
