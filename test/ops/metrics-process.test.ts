import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { sampleValue, scrape } from "../support/metrics";
import type { AppProcess } from "../support/process";
import { appEnvironment, connectPhone, startAppProcess, texter } from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

let x: XHarness;
let twilio: TwilioFixture;
let app: AppProcess | undefined;
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterAll(async () => {
  app?.process.kill("SIGTERM");
  await app?.process.exited;
  await x.stop();
  await twilio.stop();
});

const PHONE = "+14155550181";

describe("/metrics of the real process", () => {
  it("should show the requests the delivery thread made to X and Twilio beside the main thread's", async () => {
    const { env, publicUrl } = appEnvironment(x, twilio);
    const started = await startAppProcess(env);
    app = started;
    const text = texter(twilio, publicUrl);
    await connectPhone(started, text, x, twilio, PHONE, "threaded");
    expect((await text(started, PHONE, "posted from the delivery thread")).status).toBe(200);
    await waitFor(() => twilio.standIn.messagesTo(PHONE)[2]?.body.startsWith("Posted"), "the confirmation");

    // The confirmation's request is reported just after Twilio answered it: wait for the message to land.
    const samples = await waitFor(async () => {
      const scraped = await scrape(started.url);
      return sampleValue(scraped, "smstweet_twilio_requests_total", { status: "201" }) >= 3 && scraped;
    }, "the delivery thread's three sends on the main thread's /metrics");
    // Posted by the delivery thread; the token exchange was the main thread's (the OAuth callback).
    expect(sampleValue(samples, "smstweet_x_requests_total", { endpoint: "/2/tweets", status: "2xx" })).toBe(
      1,
    );
    expect(sampleValue(samples, "smstweet_x_request_seconds_count", { endpoint: "/2/tweets" })).toBe(1);
    expect(sampleValue(samples, "smstweet_x_requests_total", { endpoint: "/2/oauth2/token" })).toBe(1);
    expect(sampleValue(samples, "smstweet_posts_total", { outcome: "posted" })).toBe(1);
    expect(sampleValue(samples, "smstweet_sms_segments_total")).toBeGreaterThanOrEqual(3);
  }, 30_000);
});
