import { afterEach, describe, expect, it } from "bun:test";
import twilio from "twilio";
import { inboundParams, signedWebhook, textApp } from "../../src/sandbox/phone";

const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN = "phone-test-token";
const PUBLIC_URL = "https://smstweet.example.org";
const text = {
  accountSid: ACCOUNT_SID,
  from: "+14155550123",
  to: "+15005550006",
  body: "Hello & welcome = 100%",
};

describe("inboundParams", () => {
  it("should carry every field Twilio posts for an inbound SMS, with one fresh sid for all sid fields", () => {
    const params = inboundParams(text);

    expect(Object.keys(params).sort()).toEqual(
      [
        "AccountSid",
        "ApiVersion",
        "Body",
        "From",
        "FromCity",
        "FromCountry",
        "FromState",
        "FromZip",
        "MessageSid",
        "NumMedia",
        "NumSegments",
        "SmsMessageSid",
        "SmsSid",
        "SmsStatus",
        "To",
        "ToCity",
        "ToCountry",
        "ToState",
        "ToZip",
      ].sort(),
    );
    expect(params).toMatchObject({
      ...{ From: text.from, To: text.to, Body: text.body, AccountSid: ACCOUNT_SID },
    });
    expect(params).toMatchObject({
      SmsStatus: "received",
      ApiVersion: "2010-04-01",
      NumMedia: "0",
      NumSegments: "1",
    });
    expect(params.FromCountry).toBe("US");
    expect(params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect([params.SmsSid, params.SmsMessageSid]).toEqual([params.MessageSid, params.MessageSid]);
    expect(inboundParams(text).MessageSid).not.toBe(params.MessageSid);
  });

  it("should number the media of an MMS and keep a given sid", () => {
    const params = inboundParams({
      ...text,
      messageSid: "MMabc",
      media: [
        { url: "https://api.twilio.com/a", contentType: "image/jpeg" },
        { url: "https://api.twilio.com/b", contentType: "image/png" },
      ],
    });

    expect(params).toMatchObject({
      MessageSid: "MMabc",
      NumMedia: "2",
      MediaUrl0: "https://api.twilio.com/a",
      MediaContentType0: "image/jpeg",
      MediaUrl1: "https://api.twilio.com/b",
      MediaContentType1: "image/png",
    });
  });
});

describe("signedWebhook", () => {
  const params = inboundParams(text);
  const webhook = signedWebhook({ publicUrl: `${PUBLIC_URL}/`, authToken: AUTH_TOKEN, params });
  const posted = Object.fromEntries(new URLSearchParams(webhook.body));
  const signature = webhook.headers["X-Twilio-Signature"] ?? "";

  it("should post form-encoded params that round-trip exactly", () => {
    expect(webhook.path).toBe("/sms");
    expect(webhook.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(posted).toEqual(params);
  });

  it("should sign so that twilio's validateRequest accepts it against the public URL", () => {
    expect(twilio.validateRequest(AUTH_TOKEN, signature, `${PUBLIC_URL}/sms`, posted)).toBe(true);
  });

  it("should fail validation for a changed param, another URL or another token", () => {
    expect(
      twilio.validateRequest(AUTH_TOKEN, signature, `${PUBLIC_URL}/sms`, { ...posted, Body: "changed" }),
    ).toBe(false);
    expect(twilio.validateRequest(AUTH_TOKEN, signature, "http://127.0.0.1:3000/sms", posted)).toBe(false);
    expect(twilio.validateRequest("other-token", signature, `${PUBLIC_URL}/sms`, posted)).toBe(false);
  });
});

describe("textApp", () => {
  let server: ReturnType<typeof Bun.serve> | undefined;
  afterEach(async () => {
    await server?.stop(true);
  });

  it("should POST the signed webhook to the app's /sms", async () => {
    const received: { path: string; valid: boolean }[] = [];
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        const form = Object.fromEntries(new URLSearchParams(await request.text()));
        const signature = request.headers.get("x-twilio-signature") ?? "";
        received.push({
          path: new URL(request.url).pathname,
          valid: twilio.validateRequest(AUTH_TOKEN, signature, `${PUBLIC_URL}/sms`, form),
        });
        return new Response("<Response/>", { headers: { "content-type": "text/xml" } });
      },
    });

    const response = await textApp(`http://127.0.0.1:${server.port}`, {
      ...text,
      publicUrl: PUBLIC_URL,
      authToken: AUTH_TOKEN,
    });

    expect(response.status).toBe(200);
    expect(received).toEqual([{ path: "/sms", valid: true }]);
  });
});
