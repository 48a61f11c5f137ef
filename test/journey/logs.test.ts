import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { createLogger } from "../../src/log";
import { inboundParams, signedWebhook } from "../../src/sandbox/phone";
import {
  FAST_POLICY,
  onApp,
  PUBLIC_URL,
  startConnected,
  startTestService,
  type TestService,
} from "../support/service";
import { TWILIO_NUMBER } from "../support/twilio";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550171";
let svc: TestService;
let lines: string[];
afterEach(async () => svc?.stop());

type Line = Record<string, unknown> & { event: string; level: string };
const logged = (): Line[] => lines.map((line) => JSON.parse(line) as Line);
const logger = () => {
  lines = [];
  return createLogger("debug", (line) => lines.push(line));
};
const lineFor = (event: string, where: (line: Line) => boolean = () => true): Promise<Line> =>
  waitFor(() => logged().find((l) => l.event === event && where(l)), `a ${event} line`);

describe("logs that say why", () => {
  it("should log X's status and words when a post is retried", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    svc.x.standIn.failNext("tweets", { status: 503, body: { title: "Service Unavailable" } });
    await svc.text(PHONE, "later");
    const retry = await lineFor("queue.retry");
    expect(retry).toMatchObject({ level: "warn", reason: "HTTP 503: Service Unavailable" });
    await svc.nthTextTo(PHONE, 3);
  });

  it("should log a rate-limited post with X's 429 and when X takes posts again", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    const reset = Math.ceil(Date.now() / 1000) + 1;
    svc.x.standIn.failNext("tweets", {
      status: 429,
      body: { title: "Too Many Requests", status: 429 },
      headers: { "x-rate-limit-reset": String(reset), "x-rate-limit-remaining": "0" },
    });
    await svc.text(PHONE, "later");
    const retry = await lineFor("queue.retry");
    expect(retry.reason).toBe(`HTTP 429: rate limited until ${new Date(reset * 1000).toISOString()}`);
    await svc.nthTextTo(PHONE, 3);
  });

  it("should log why X refused a post, in X's words", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    svc.x.standIn.failNext("tweets", {
      status: 403,
      body: { title: "Forbidden", detail: "You are not permitted to perform this action." },
    });
    await svc.text(PHONE, "refused");
    const done = await lineFor("inbound.done", (l) => String(l.outcome).startsWith("refused"));
    expect(done).toMatchObject({ level: "warn", outcome: "refused:policy", phone: "•••• 0171" });
    expect(done.why).toBe("HTTP 403: You are not permitted to perform this action.");
  });

  it("should log why a post gave up, with X's last answer", async () => {
    svc = await startConnected(PHONE, "erin", {
      logger: logger(),
      policy: { ...FAST_POLICY, giveUpAfterMs: 300 },
    });
    svc.x.standIn.failNext("tweets", { status: 503, body: { title: "Service Unavailable" } }, 100);
    await svc.text(PHONE, "never");
    const gaveUp = await lineFor("inbound.gave_up");
    expect(gaveUp).toMatchObject({ level: "error", phone: "•••• 0171" });
    expect(gaveUp.reason).toBe("gave up after an hour: HTTP 503: Service Unavailable");
  });

  it("should log Twilio's status and error code when a text to the texter is retried", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    svc.twilio.standIn.failNext({ status: 500, body: { code: 20500, message: "Internal Server Error" } });
    await svc.text(PHONE, "reply will be late");
    const retry = await lineFor("queue.retry", (l) => l.kind === "sms");
    expect(retry.reason).toBe("Twilio 500 (error 20500): Internal Server Error");
    await svc.nthTextTo(PHONE, 3);
  });

  it("should log a text Twilio refused with its status and error code", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    svc.twilio.standIn.failNext({
      status: 400,
      body: { code: 21408, message: "Permission to send an SMS has not been enabled for the region" },
    });
    await svc.text(PHONE, "no reply");
    const rejected = await lineFor("sms.rejected");
    expect(rejected).toMatchObject({ level: "warn", to: "•••• 0171", code: 21408 });
    expect(rejected.reason).toBe(
      "Twilio 400 (error 21408): Permission to send an SMS has not been enabled for the region",
    );
  });
});

describe("a failed OAuth callback", () => {
  async function callbackWith(username: string): Promise<Response> {
    await svc.text(PHONE, "hi");
    const link = (await svc.nthTextTo(PHONE, 1)).match(/https?:\/\/\S+/)?.[0] ?? "";
    const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
    const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
    const callback = await svc.x.standIn.approve(start.headers.get("location") ?? "", username);
    return fetch(onApp(svc.url, callback), { headers: { cookie } });
  }

  it("should be logged once, with X's status and words and the phone masked", async () => {
    svc = await startTestService({ logger: logger() });
    svc.x.standIn.failNext("token", { status: 503, body: { title: "Service Unavailable" } });
    expect((await callbackWith("alice")).status).toBe(502);
    const failures = logged().filter((l) => l.event.startsWith("auth.") && l.level !== "info");
    expect(failures).toEqual([
      expect.objectContaining({
        event: "auth.callback_failed",
        level: "warn",
        phone: "•••• 0171",
        cause: "x_unavailable",
        detail: "token exchange: HTTP 503: Service Unavailable",
      }),
    ]);
    expect(lines.join("\n")).not.toContain(PHONE);
  });

  it("should log a callback from a browser without the sign-in's cookie", async () => {
    svc = await startTestService({ logger: logger() });
    const response = await fetch(`${svc.url}/auth/callback?state=forged&code=stolen`);
    expect(response.status).toBe(400);
    expect(await lineFor("auth.callback_failed")).toMatchObject({ level: "warn", cause: "no_state_cookie" });
  });

  it("should log that the texter declined at X", async () => {
    svc = await startTestService({ logger: logger() });
    await svc.text(PHONE, "hi");
    const link = (await svc.nthTextTo(PHONE, 1)).match(/https?:\/\/\S+/)?.[0] ?? "";
    const start = await fetch(onApp(svc.url, link), { method: "POST", redirect: "manual" });
    const cookie = start.headers.get("set-cookie")?.split(";")[0] ?? "";
    const denied = svc.x.standIn.deny(start.headers.get("location") ?? "");
    expect((await fetch(onApp(svc.url, denied), { headers: { cookie } })).status).toBe(200);
    expect(await lineFor("auth.consent_declined")).toMatchObject({
      phone: "•••• 0171",
      cause: "access_denied",
    });
  });
});

describe("a request id", () => {
  it("should tie one text's lines together, from the webhook to the post and the reply's send", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    // "Connected" went out from the OAuth callback, which is no text: its lines have no id of a text.
    await svc.service.delivery.idle();
    const before = lines.length;
    await svc.text(PHONE, "traced");
    await svc.nthTextTo(PHONE, 3);
    const sent = () =>
      logged()
        .slice(before)
        .find((l) => l.event === "queue.done" && l.kind === "sms");
    await waitFor(sent, "the reply's job to finish");
    const mine = logged().slice(before);
    const received = mine.find((l) => l.event === "sms.received");
    expect(received?.req).toEqual(expect.any(String));
    const events = (kind: string) => mine.filter((l) => l.kind === kind && l.event === "queue.done");
    for (const kind of ["inbound", "post", "sms"]) {
      expect(events(kind).map((l) => l.req)).toEqual([received?.req]);
    }
    expect(mine.find((l) => l.event === "sms.sent")?.req).toBe(received?.req);
    // Another text is another id.
    await svc.text(PHONE, "second");
    const second = await lineFor("sms.received", (l) => l.req !== received?.req);
    expect(second.req).not.toBe(received?.req);
  });

  it("should take the proxy's X-Request-Id when it is plain, and make one otherwise", async () => {
    svc = await startConnected(PHONE, "erin", { logger: logger() });
    const viaProxy = (body: string, id: string): Promise<Response> => {
      const params = inboundParams({
        accountSid: svc.twilio.accountSid,
        from: PHONE,
        to: TWILIO_NUMBER,
        body,
      });
      const webhook = signedWebhook({ publicUrl: PUBLIC_URL, authToken: svc.twilio.authToken, params });
      const headers = { ...webhook.headers, "X-Request-Id": id };
      return fetch(`${svc.url}/sms`, { method: "POST", headers, body: webhook.body });
    };
    const caddys = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const before = lines.length;
    const received = (): Line[] =>
      logged()
        .slice(before)
        .filter((l) => l.event === "sms.received");
    expect((await viaProxy("one", caddys)).status).toBe(200);
    expect(received()[0]?.req).toBe(caddys);
    await lineFor("sms.sent", (l) => l.req === caddys);
    expect((await viaProxy("two", "not plain: {}")).status).toBe(200);
    const made = await waitFor(() => received()[1], "the second text's line");
    expect(made.req).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
