import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import twilio from "twilio";
import { query } from "../../src/db/sql";
import { inboundParams, signedWebhook } from "../../src/sandbox/phone";
import { inboundWebhookUrl, RETRY_OVERRIDES } from "../../src/sms/webhook-url";
import { PUBLIC_URL, startTestService, type TestService } from "../support/service";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc.stop());

const FROM = "+14155550141";
const params = (overrides: Record<string, string> = {}): Record<string, string> => ({
  ...inboundParams({ accountSid: svc.twilio.accountSid, from: FROM, to: "+15005550006", body: "hello" }),
  ...overrides,
});
const post = (body: BodyInit, headers: Record<string, string>) =>
  fetch(`${svc.url}/sms`, { method: "POST", body, headers });
const signed = (fields: Record<string, string>, publicUrl = PUBLIC_URL) => {
  const hook = signedWebhook({ publicUrl, authToken: svc.twilio.authToken, params: fields });
  return post(hook.body, hook.headers);
};
const stored = async () => (await query(svc.db, (orm, t) => orm.select().from(t.inboundMessages))).length;

describe("POST /sms", () => {
  it("should refuse a missing or wrong signature with 403 and store nothing", async () => {
    const hook = signedWebhook({ publicUrl: PUBLIC_URL, authToken: svc.twilio.authToken, params: params() });
    const unsigned = Object.fromEntries(
      Object.entries(hook.headers).filter(([name]) => name.toLowerCase() !== "x-twilio-signature"),
    );
    expect((await post(hook.body, unsigned)).status).toBe(403);
    expect((await post(hook.body, { ...unsigned, "X-Twilio-Signature": "AAAA" })).status).toBe(403);
    const tampered = hook.body.replace("hello", "hacked");
    expect((await post(tampered, hook.headers)).status).toBe(403);
    expect(await stored()).toBe(0);
  });

  it("should check the signature against PUBLIC_URL, not the URL the app sees", async () => {
    expect((await signed(params(), svc.url)).status).toBe(403);
    expect((await signed(params())).status).toBe(200);
    expect(await stored()).toBe(1);
  });

  it("should accept a signature over the URL with Twilio's retry overrides, and no other fragment", async () => {
    // What Twilio is given (README: the webhook URL), signed as it would be if it kept the fragment.
    const withOverrides = (fragment: string) => {
      const fields = params();
      const signature = twilio.getExpectedTwilioSignature(
        svc.twilio.authToken,
        `${PUBLIC_URL}/sms${fragment}`,
        fields,
      );
      const hook = signedWebhook({ publicUrl: PUBLIC_URL, authToken: svc.twilio.authToken, params: fields });
      return post(hook.body, { ...hook.headers, "X-Twilio-Signature": signature });
    };
    const before = await stored();
    expect(inboundWebhookUrl(PUBLIC_URL)).toBe(`${PUBLIC_URL}/sms${RETRY_OVERRIDES}`);
    expect((await withOverrides(RETRY_OVERRIDES)).status).toBe(200);
    expect((await withOverrides("#rc=1")).status).toBe(403);
    expect(await stored()).toBe(before + 1);
  });

  it("should answer 4xx, never 5xx, to malformed bodies", async () => {
    const before = await stored();
    const cases: [string, Promise<Response>][] = [
      ["json", post(JSON.stringify(params()), { "content-type": "application/json" })],
      ["no content type", post("a=b", {})],
      [
        "garbage",
        post(new Uint8Array([0, 255, 1, 254, 61, 38, 37]), {
          "content-type": "application/x-www-form-urlencoded",
        }),
      ],
      [
        "bad percent escapes",
        post("Body=%E0%A4%A&From=%", { "content-type": "application/x-www-form-urlencoded" }),
      ],
      [
        "2 MB",
        post(`Body=${"a".repeat(2 * 1024 * 1024)}`, { "content-type": "application/x-www-form-urlencoded" }),
      ],
      ["missing MessageSid", signed(params({ MessageSid: "" }))],
      ["missing From", signed(params({ From: "" }))],
      ["other account", signed(params({ AccountSid: `AC${"f".repeat(32)}` }))],
      ["bad media count", signed(params({ NumMedia: "lots" }))],
      ["media url missing", signed(params({ NumMedia: "1" }))],
    ];
    for (const [name, request] of cases) {
      const response = await request;
      expect({ name, status: response.status >= 400 && response.status < 500 }).toEqual({
        name,
        status: true,
      });
    }
    expect(await stored()).toBe(before);
  });

  it("should answer senders that are not phone numbers with 200 and empty TwiML, storing and sending nothing", async () => {
    await svc.service.delivery.idle();
    const before = await stored();
    const sends = svc.twilio.standIn.messages().length;
    for (const from of ["whatsapp:+14155550141", "messenger:1234567890", "72975", "ACMEBANK", "Acme Co"]) {
      const response = await signed(params({ From: from }));
      expect({ from, status: response.status }).toEqual({ from, status: 200 });
      expect(response.headers.get("content-type")).toStartWith("text/xml");
      expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    }
    await svc.service.delivery.idle();
    expect(await stored()).toBe(before);
    expect(svc.twilio.standIn.messages().length).toBe(sends);
  });

  it("should answer 413 to a 2 MB body sent without a Content-Length", async () => {
    const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("Body="));
        for (let i = 0; i < 32; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await post(stream, { "content-type": "application/x-www-form-urlencoded" });
    expect(response.status).toBe(413);
  });
});

describe("the rest of the HTTP surface", () => {
  it("should report health, serve the landing page and answer 404 elsewhere", async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    const landing = await fetch(svc.url);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Post to X by text message");
    expect(landing.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const missing = await fetch(`${svc.url}/wp-login.php`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain("wp-login");
    expect((await fetch(`${svc.url}/robots.txt`)).status).toBe(200);
  });
});
