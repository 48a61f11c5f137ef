import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { inboundParams, signedWebhook } from "../../src/sandbox/phone";
import { statusOfRaw, trickle } from "../support/raw-http";
import { tableRows } from "../support/rows";
import { linkIn, onApp, PUBLIC_URL, startTestService, type TestService } from "../support/service";
import { TWILIO_NUMBER } from "../support/twilio";

// Production waits 5 s for a body; here 300 ms, so a trickle is cut in a moment.
const BODY_MS = 300;
// One byte every 40 ms: the bodies below would take many seconds to arrive whole.
const GAP_MS = 40;

function webhookFrom(svc: TestService, from: string) {
  const params = inboundParams({ accountSid: svc.twilio.accountSid, from, to: TWILIO_NUMBER, body: "hello" });
  return signedWebhook({ publicUrl: PUBLIC_URL, authToken: svc.twilio.authToken, params });
}

function head(method: string, path: string, headers: Record<string, string>, length: number): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join("")}Content-Length: ${length}\r\n\r\n`;
}

describe("a client that trickles its request", () => {
  let svc: TestService;
  let port: number;
  beforeAll(async () => {
    // Bun checks idleTimeout in 4-second ticks: with 1 s, a trickled request could be cut at the next tick
    // before the body timer answered (seen in CI: closed after 130 ms with no answer). The idle test has its own.
    svc = await startTestService({ deadlines: { bodyMs: BODY_MS, idleSeconds: 60 } });
    port = Number(new URL(svc.url).port);
  });
  afterAll(() => svc.stop());

  it("should answer a webhook whose body trickles with 408, close the connection and store nothing", async () => {
    const before = await tableRows(svc.db);
    const webhook = webhookFrom(svc, "+14155550101");
    const cut = await trickle(
      port,
      head("POST", "/sms", webhook.headers, webhook.body.length),
      webhook.body,
      GAP_MS,
    );

    expect(statusOfRaw(cut.answer)).toBe(408);
    expect(cut.answer.toLowerCase()).toContain("connection: close");
    expect(cut.answer).toContain("Request body too slow");
    expect(cut.bodyBytesSent).toBeLessThan(webhook.body.length / 2);
    expect(await tableRows(svc.db)).toEqual(before);

    // The same webhook sent whole is stored: only its pace kept it out.
    const whole = await fetch(`${svc.url}/sms`, {
      method: "POST",
      headers: webhook.headers,
      body: webhook.body,
    });
    expect(whole.status).toBe(200);
    expect((await tableRows(svc.db)).inbound_messages).toBe((before.inbound_messages ?? 0) + 1);
  });

  it("should answer a Connect button whose body trickles with 408 before starting a sign-in at X", async () => {
    await svc.text("+14155550102", "hi");
    const link = onApp(svc.url, linkIn(await svc.nthTextTo("+14155550102", 1)));
    const path = new URL(link).pathname;
    // The link text's delivery report lands in its own table: let it, so only this request is counted.
    await svc.twilio.standIn.callbacks.settled();
    const before = await tableRows(svc.db);
    const body = "x".repeat(200);
    const form = { "Content-Type": "application/x-www-form-urlencoded", Origin: PUBLIC_URL };
    const cut = await trickle(port, head("POST", path, form, body.length), body, GAP_MS);

    expect(statusOfRaw(cut.answer)).toBe(408);
    expect(cut.answer.toLowerCase()).toContain("connection: close");
    expect(cut.bodyBytesSent).toBeLessThan(body.length / 2);
    expect(await tableRows(svc.db)).toEqual(before);

    const whole = await fetch(link, { method: "POST", headers: form, body, redirect: "manual" });
    expect(whole.status).toBe(303);
    expect((await tableRows(svc.db)).oauth_sessions).toBe((before.oauth_sessions ?? 0) + 1);
  });

  it(
    "should close a kept-alive connection that goes quiet, after the idle timeout",
    async () => {
      // Bun counts idleTimeout in 4-second ticks: 1 s closes the connection 4 s after its last request.
      const idle = await startTestService({ deadlines: { bodyMs: BODY_MS, idleSeconds: 1 } });
      try {
        const idlePort = Number(new URL(idle.url).port);
        const quiet = await trickle(idlePort, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "", GAP_MS);
        expect(statusOfRaw(quiet.answer)).toBe(200);
        expect(quiet.elapsedMs).toBeLessThan(9_000);
      } finally {
        await idle.stop({ cleanup: true });
      }
    },
    { timeout: 15_000 },
  );
});
