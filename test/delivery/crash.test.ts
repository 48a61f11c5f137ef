import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { textApp } from "../../src/sandbox/phone";
import { type AppProcess, freePort, startAppProcess, TEST_CERT_PATH } from "../support/process";
import { connectThroughBrowser, linkIn } from "../support/service";
import { startTwilio, TWILIO_NUMBER, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, X_CLIENT_ID, X_CLIENT_SECRET, type XHarness } from "../support/x";

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

/** What an operator would set to run the app against the stand-ins, on its own port and database. */
function appEnvironment(): { env: Record<string, string>; publicUrl: string } {
  const port = freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: publicUrl,
    DATABASE_PATH: join(mkdtempSync(join(tmpdir(), "smstweet-crash-")), "app.db"),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_PHONE_NUMBER: TWILIO_NUMBER,
    TWILIO_API_URL: twilio.url,
    X_CLIENT_ID: X_CLIENT_ID,
    X_CLIENT_SECRET: X_CLIENT_SECRET,
    X_API_URL: x.url,
    X_AUTHORIZE_URL: `${x.url}/i/oauth2/authorize`,
    // The stand-ins' certificate, trusted the standard way: the app is given no test hook.
    NODE_EXTRA_CA_CERTS: TEST_CERT_PATH,
    LOG_LEVEL: "info",
  };
  return { env, publicUrl };
}

function texter(publicUrl: string) {
  return (app: AppProcess, from: string, body: string): Promise<Response> =>
    textApp(app.url, {
      publicUrl,
      authToken: twilio.authToken,
      accountSid: twilio.accountSid,
      from,
      to: TWILIO_NUMBER,
      body,
    });
}

describe("a crash while posts are in flight", () => {
  it("should post every message exactly once after SIGKILL and a restart", async () => {
    const { env, publicUrl } = appEnvironment();
    const text = texter(publicUrl);

    let app = await startAppProcess(env);
    for (const [i, phone] of PHONES.entries()) {
      await text(app, phone, "hi");
      const welcome = await waitFor(() => twilio.standIn.messagesTo(phone)[0]?.body, "a link");
      const page = await connectThroughBrowser(app.url, x, linkIn(welcome), `user${i}`);
      expect(page.status).toBe(200);
      await waitFor(() => twilio.standIn.messagesTo(phone).length === 2, "the connected text");
    }

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
    // Texts are sent at least once: one that Twilio took just before the kill may go out twice.
    const confirmations = (phone: string): Set<string> =>
      new Set(
        twilio.standIn
          .messagesTo(phone)
          .slice(2)
          .map((m) => m.body),
      );
    try {
      await waitFor(
        () => PHONES.every((phone) => confirmations(phone).size === 4),
        "a reply to every text",
        30_000,
      );
      const posted = x.standIn.posts().map((p) => p.text);
      expect(posted.toSorted()).toEqual(bodies.map((b) => b.body).toSorted());
      for (const [p, phone] of PHONES.entries()) {
        for (const reply of confirmations(phone)) expect(reply).toStartWith(`Posted: https://x.com/user${p}`);
        const mine = posted.filter((t) => t.startsWith(`crash test ${p}.`));
        expect(mine).toEqual([1, 2, 3, 4].map((n) => `crash test ${p}.${n}`));
      }
      // Logs carry neither message bodies nor full phone numbers.
      expect(app.output()).toContain("inbound.done");
      expect(app.output()).not.toContain("crash test");
      for (const phone of PHONES) expect(app.output()).not.toContain(phone.slice(2));
    } finally {
      if (process.env.DEBUG_CRASH) console.log(app.output());
      app.process.kill("SIGTERM");
      await app.process.exited;
    }
  }, 60_000);

  it("should resume a thread interrupted after its second part with the third part only", async () => {
    const { env, publicUrl } = appEnvironment();
    const text = texter(publicUrl);
    const phone = "+14155550159";
    const texts = () => twilio.standIn.messagesTo(phone).map((m) => m.body);
    x.standIn.delayMs = 0;
    let app = await startAppProcess(env);
    try {
      await text(app, phone, "hi");
      const welcome = await waitFor(() => texts()[0], "a link");
      expect((await connectThroughBrowser(app.url, x, linkIn(welcome), "threader")).status).toBe(200);
      await waitFor(() => texts().length === 2, "the connected text");
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
