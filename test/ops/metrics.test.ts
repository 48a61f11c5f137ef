import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mayReadMetrics } from "../../src/ops/metrics-access";
import { twilioSegments } from "../../src/sandbox/twilio/segments";
import { sampleValue, scrape } from "../support/metrics";
import { startConnected, startTestService, type TestService } from "../support/service";
import { startTwilio } from "../support/twilio";
import { startX } from "../support/x";

setDefaultTimeout(20_000);

const PHONE = "+14155550171";
const TOKEN = "scrape-me-please-0123456789";
let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

/** What Twilio billed for everything sent to `phone`: its own segment count for each text. */
function billedSegments(service: TestService, phone: string): number {
  return service.textsTo(phone).reduce((sum, body) => sum + twilioSegments(body), 0);
}

describe("GET /metrics", () => {
  it("should count a posted text, the texts sent about it and the segments Twilio bills", async () => {
    svc = await startConnected(PHONE, "metered");
    await svc.text(PHONE, `A long post that needs two segments to confirm: ${"words ".repeat(30)}`);
    await svc.nthTextTo(PHONE, 3);
    await svc.service.delivery.idle();
    await svc.twilio.standIn.callbacks.settled();

    const samples = await scrape(svc.url);
    // "hi" got the link, then the post; the link, "Connected as" and the confirmation went out.
    expect(sampleValue(samples, "smstweet_inbound_texts_total", { kind: "connect" })).toBe(1);
    expect(sampleValue(samples, "smstweet_inbound_texts_total", { kind: "post" })).toBe(1);
    expect(sampleValue(samples, "smstweet_posts_total", { outcome: "posted" })).toBe(1);
    expect(sampleValue(samples, "smstweet_sms_sent_total", { outcome: "sent" })).toBe(3);
    expect(sampleValue(samples, "smstweet_sms_segments_total")).toBe(billedSegments(svc, PHONE));
    expect(sampleValue(samples, "smstweet_sms_delivery_total", { status: "delivered", code: "0" })).toBe(3);
    expect(sampleValue(samples, "smstweet_queue_jobs", { queue: "post", state: "done" })).toBe(1);
    expect(sampleValue(samples, "smstweet_webhook_seconds_count")).toBe(2);
    // The process defaults are there too.
    expect(sampleValue(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });

  it("should count a refusal by X as refused, not posted", async () => {
    svc = await startConnected(PHONE, "refused");
    await svc.text(PHONE, "same words");
    await svc.nthTextTo(PHONE, 3);
    await svc.text(PHONE, "same words");
    expect(await svc.nthTextTo(PHONE, 4)).toContain("Not posted");
    await svc.service.delivery.idle();

    const samples = await scrape(svc.url);
    expect(sampleValue(samples, "smstweet_posts_total", { outcome: "posted" })).toBe(1);
    expect(sampleValue(samples, "smstweet_posts_total", { outcome: "refused" })).toBe(1);
  });

  it("should say how long the oldest due job has waited while nothing works the queue", async () => {
    let now = Date.now();
    svc = await startTestService({ clock: { now: () => now } });
    await svc.service.delivery.stop();
    expect((await svc.text(PHONE, "hello?")).status).toBe(200);
    now += 90_000;
    const samples = await scrape(svc.url);
    expect(sampleValue(samples, "smstweet_queue_jobs", { queue: "inbound", state: "pending" })).toBe(1);
    expect(sampleValue(samples, "smstweet_queue_oldest_due_seconds", { queue: "inbound" })).toBe(90);
  });

  it("should keep the post and segment totals across a restart", async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), "smstweet-metrics-")), "app.db");
    const x = await startX();
    const twilio = startTwilio();
    try {
      const first = await startConnected(PHONE, "durable", { dbPath, x, twilio });
      svc = first;
      await first.text(PHONE, "counted once");
      await first.nthTextTo(PHONE, 3);
      await first.service.delivery.idle();
      const segments = billedSegments(first, PHONE);
      await first.stop({ cleanup: false });
      svc = undefined;

      svc = await startTestService({ dbPath, x, twilio });
      const samples = await scrape(svc.url);
      expect(sampleValue(samples, "smstweet_posts_total", { outcome: "posted" })).toBe(1);
      expect(sampleValue(samples, "smstweet_sms_segments_total")).toBe(segments);
      expect(sampleValue(samples, "smstweet_sms_sent_total", { outcome: "sent" })).toBe(3);
    } finally {
      await svc?.stop();
      svc = undefined;
      await x.stop();
      await twilio.stop();
    }
  });
});

describe("who may read /metrics", () => {
  it("should answer 404 to a request a proxy forwarded, as if /metrics did not exist", async () => {
    svc = await startTestService({ metricsToken: TOKEN });
    const forwarded = await fetch(`${svc.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(forwarded.status).toBe(404);
    expect(await forwarded.text()).not.toContain("smstweet_");
    const wrongToken = await fetch(`${svc.url}/metrics`, {
      headers: { "x-forwarded-for": "203.0.113.7", authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrongToken.status).toBe(404);
  });

  it("should admit a forwarded request that carries METRICS_TOKEN as a bearer token", async () => {
    svc = await startTestService({ metricsToken: TOKEN });
    const samples = await scrape(svc.url, {
      headers: { "x-forwarded-for": "203.0.113.7", authorization: `Bearer ${TOKEN}` },
    });
    expect(samples.map((sample) => sample.name)).toContain("smstweet_sms_segments_total");
  });

  it("should admit loopback without a token", async () => {
    svc = await startTestService();
    expect((await scrape(svc.url)).map((sample) => sample.name)).toContain("smstweet_sms_segments_total");
  });

  it("should decide by the socket's peer: loopback and private ranges in, public addresses out", () => {
    const from = (
      peer: string | undefined,
      headers: { forwardedFor?: string; authorization?: string } = {},
    ) =>
      mayReadMetrics(
        { peer, forwardedFor: headers.forwardedFor ?? null, authorization: headers.authorization ?? null },
        TOKEN,
      );
    for (const peer of [
      "127.0.0.1",
      "::1",
      "10.0.3.4",
      "172.18.0.5",
      "192.168.1.9",
      "::ffff:172.20.0.2",
      "fd12::7",
    ])
      expect(from(peer)).toBe(true);
    for (const peer of ["203.0.113.7", "172.32.0.1", "::ffff:8.8.8.8", "2001:db8::1", undefined])
      expect(from(peer)).toBe(false);
    // Caddy connects from the compose network, but what it forwards comes from anywhere.
    expect(from("172.18.0.3", { forwardedFor: "172.18.0.3" })).toBe(false);
    expect(from("203.0.113.7", { authorization: `Bearer ${TOKEN}` })).toBe(true);
    expect(
      mayReadMetrics({ peer: "203.0.113.7", forwardedFor: null, authorization: "Bearer " }, undefined),
    ).toBe(false);
  });
});
