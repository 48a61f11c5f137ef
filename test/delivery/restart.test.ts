import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { AppProcess } from "../support/process";
import { deliver, heldWebhook } from "../support/retrying-twilio";
import {
  appEnvironment,
  connectPhone,
  repliesAfterConnecting,
  startAppProcess,
  texter,
} from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

let x: XHarness;
let twilio: TwilioFixture;
const running = new Set<AppProcess>();
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterAll(async () => {
  for (const app of running) await stop(app);
  await x.stop();
  await twilio.stop();
});

async function start(env: Record<string, string>): Promise<AppProcess> {
  const app = await startAppProcess(env);
  running.add(app);
  return app;
}

/** What `docker compose stop` does: SIGTERM, then wait for the process to finish its work and exit. */
async function stop(app: AppProcess): Promise<void> {
  app.process.kill("SIGTERM");
  await app.process.exited;
  running.delete(app);
}

const postsOf = (text: string) => x.standIn.posts().filter((p) => p.text === text);

describe("a restart with Twilio's retry overrides on the webhook URL", () => {
  it("should store and post once a text whose webhook was refused while the app was down", async () => {
    const PHONE = "+14155550181";
    const { env, publicUrl } = appEnvironment(x, twilio);
    const first = await start(env);
    await connectPhone(first, texter(twilio, publicUrl), x, twilio, PHONE, "restarted");
    await stop(first);

    const webhook = heldWebhook(twilio, publicUrl, PHONE, "sent during the restart");
    // Twilio tries while nothing listens on the port; the app comes back on it while Twilio still retries.
    const delivery = deliver(() => first.url, webhook);
    const second = await start(env);
    expect(await delivery).toMatchObject({ status: 200 });
    expect((await delivery).attempts).toBeGreaterThan(1);
    // Twilio's answer was lost after all (a timeout on its side): the same webhook comes again.
    expect(await deliver(() => second.url, webhook)).toEqual({ status: 200, attempts: 1 });

    const reply = await waitFor(() => repliesAfterConnecting(twilio, PHONE)[0], "the confirmation");
    expect(reply).toStartWith('Posted "sent during the restart"');
    await waitFor(() => second.output().includes('"event":"sms.duplicate_delivery"'), "the second delivery");
    expect(postsOf("sent during the restart")).toHaveLength(1);
    expect(repliesAfterConnecting(twilio, PHONE)).toHaveLength(1);
    // The process's lines for that text, webhook and delivery thread alike, share its request id.
    const lines = (): { event: string; req?: string }[] =>
      second
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line));
    const req = lines().find((l) => l.event === "sms.received")?.req;
    expect(req).toEqual(expect.any(String));
    const traced = (): string[] => lines().flatMap((l) => (l.req === req ? [l.event] : []));
    await waitFor(() => traced().includes("sms.sent"), "the reply's sms.sent line with the text's id");
    expect(traced()).toEqual(expect.arrayContaining(["sms.received", "inbound.done", "sms.sent"]));
  }, 60_000);
});

describe("a rolling restart of two processes on one database file", () => {
  it("should accept every webhook and post each text once while one process restarts", async () => {
    const PHONE = "+14155550182";
    const one = appEnvironment(x, twilio);
    const two = appEnvironment(x, twilio, { databasePath: one.env.DATABASE_PATH, publicUrl: one.publicUrl });
    let a = await start(one.env);
    const b = await start(two.env);
    await connectPhone(b, texter(twilio, one.publicUrl), x, twilio, PHONE, "rolling");

    // Caddy in front of both (APP_UPSTREAM lists two), round robin; a 502 from it is retried by Twilio.
    // Without a drain before the stop, the texts sent to the stopped process while it is down need that
    // retry (7 of 20 in one run); with /healthz?ready saying 503 first, Caddy's health checks would skip it.
    let turn = 0;
    const upstream = (): string => (turn++ % 2 === 0 ? a.url : b.url);
    const texts = Array.from({ length: 20 }, (_, n) => `rolling ${n}`);
    const deliveries: Promise<{ status: number | "refused"; attempts: number }>[] = [];
    let restarted: Promise<void> | undefined;
    for (const [n, body] of texts.entries()) {
      deliveries.push(deliver(upstream, heldWebhook(twilio, one.publicUrl, PHONE, body)));
      if (n === 5) {
        restarted = (async () => {
          await stop(a);
          a = await start(one.env);
        })();
      }
      // One text every 100 ms, as the issue measured.
      await Bun.sleep(100);
    }
    await restarted;
    const results = await Promise.all(deliveries);
    expect(results.map((r) => r.status)).toEqual(texts.map(() => 200));

    await waitFor(
      () => repliesAfterConnecting(twilio, PHONE).length >= texts.length,
      "every confirmation",
      30_000,
    );
    for (const body of texts) expect(postsOf(body)).toHaveLength(1);
    expect(repliesAfterConnecting(twilio, PHONE)).toHaveLength(texts.length);
  }, 90_000);
});
