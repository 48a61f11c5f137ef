import { describe, expect, it } from "bun:test";
import { createTwilioStandIn } from "../../src/sandbox/twilio";

const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN = "stand-in-token";
const ORIGIN = "https://twilio.test";
const MESSAGES = `${ORIGIN}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const auth = (token = AUTH_TOKEN): string => `Basic ${btoa(`${ACCOUNT_SID}:${token}`)}`;

function standIn(): ReturnType<typeof createTwilioStandIn> {
  return createTwilioStandIn({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    clock: { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) },
  });
}

function post(form: Record<string, string | string[]>, authorization = auth()): Request {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const item of [value].flat()) body.append(key, item);
  return new Request(MESSAGES, { method: "POST", headers: { authorization }, body });
}

describe("Twilio stand-in Messages endpoint", () => {
  it("should answer 201 with a Twilio-shaped message resource", async () => {
    const twilio = standIn();
    const response = await twilio.handle(
      post({ To: "+14155550123", From: "+15005550006", Body: "x".repeat(161) }),
    );

    expect(response.status).toBe(201);
    const resource = await response.json();
    expect(resource).toMatchObject({
      account_sid: ACCOUNT_SID,
      to: "+14155550123",
      from: "+15005550006",
      body: "x".repeat(161),
      status: "queued",
      num_segments: "2",
      num_media: "0",
      direction: "outbound-api",
      date_created: "Fri, 02 Jan 2026 03:04:05 +0000",
    });
    expect(resource.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(twilio.messages()).toEqual([
      {
        sid: resource.sid,
        to: "+14155550123",
        from: "+15005550006",
        messagingServiceSid: null,
        body: "x".repeat(161),
        mediaUrls: [],
        createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      },
    ]);
  });

  it("should keep every MediaUrl of an outbound MMS", async () => {
    const twilio = standIn();
    await twilio.handle(
      post({ To: "+1", MessagingServiceSid: "MG1", MediaUrl: ["https://a/1", "https://a/2"] }),
    );

    expect(twilio.messagesTo("+1")).toMatchObject([{ body: "", mediaUrls: ["https://a/1", "https://a/2"] }]);
  });

  it("should answer 401 with Twilio's error shape when the credentials are wrong", async () => {
    const response = await standIn().handle(post({ To: "+1", From: "+2", Body: "hi" }, auth("wrong")));

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 20003,
      message: "Authenticate",
      more_info: "https://www.twilio.com/docs/errors/20003",
      status: 401,
    });
  });

  it("should answer 400 with 21604 without To and 21602 without Body", async () => {
    const twilio = standIn();
    const noTo = await twilio.handle(post({ From: "+2", Body: "hi" }));
    const noBody = await twilio.handle(post({ To: "+1", From: "+2" }));

    expect([noTo.status, (await noTo.json()).code]).toEqual([400, 21604]);
    expect([noBody.status, (await noBody.json()).code]).toEqual([400, 21602]);
    expect(twilio.messages()).toEqual([]);
  });

  it("should refuse an opted-out recipient with 21610 until they opt in again", async () => {
    const twilio = standIn();
    twilio.optOut("+1");
    const refused = await twilio.handle(post({ To: "+1", From: "+2", Body: "hi" }));

    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      code: 21610,
      message: "Attempt to send to unsubscribed recipient",
      more_info: "https://www.twilio.com/docs/errors/21610",
      status: 400,
    });
    twilio.optIn("+1");
    expect((await twilio.handle(post({ To: "+1", From: "+2", Body: "hi" }))).status).toBe(201);
  });

  it("should answer an injected failure the given number of times, then normally", async () => {
    const twilio = standIn();
    twilio.failNext({ status: 503, headers: { "retry-after": "1" } }, 2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await twilio.handle(post({ To: "+1", From: "+2", Body: "x" }))).status);

    expect(statuses).toEqual([503, 503, 201]);
    expect(twilio.messages()).toHaveLength(1);
  });

  it("should answer 404 for another account's path and for unknown paths", async () => {
    const twilio = standIn();
    const other = new Request(MESSAGES.replace(ACCOUNT_SID, `AC${"f".repeat(32)}`), {
      method: "POST",
      headers: { authorization: auth() },
      body: "To=%2B1&From=%2B2&Body=x",
    });

    expect((await twilio.handle(other)).status).toBe(404);
    expect((await twilio.handle(new Request(`${ORIGIN}/wp-admin`))).status).toBe(404);
    expect(twilio.requests.map((request) => request.path)).toEqual([
      new URL(other.url).pathname,
      "/wp-admin",
    ]);
  });
});

describe("Twilio stand-in media", () => {
  it("should redirect an authenticated media request with a 307 to the bytes", async () => {
    const twilio = standIn();
    twilio.baseUrl = ORIGIN;
    const url = twilio.addMedia(new Uint8Array([1, 2, 3]), "image/png");

    expect(url).toMatch(
      /^https:\/\/twilio\.test\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/MM[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/,
    );
    const redirect = await twilio.handle(new Request(url, { headers: { authorization: auth() } }));
    expect(redirect.status).toBe(307);
    const location = redirect.headers.get("location") ?? "";
    expect(location.startsWith(`${ORIGIN}/cdn/`)).toBe(true);

    const media = await twilio.handle(new Request(location));
    expect(media.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("should refuse a media request without credentials and point redirects at the CDN origin when set", async () => {
    const twilio = standIn();
    twilio.baseUrl = ORIGIN;
    twilio.cdnUrl = "https://cdn.test/";
    const url = twilio.addMedia(new Uint8Array([1]), "image/gif");

    expect((await twilio.handle(new Request(url))).status).toBe(401);
    const redirect = await twilio.handle(new Request(url, { headers: { authorization: auth() } }));
    expect(redirect.headers.get("location")).toStartWith("https://cdn.test/cdn/");
  });

  it("should route under the base path it is mounted at", async () => {
    const twilio = standIn();
    twilio.baseUrl = `${ORIGIN}/sandbox/twilio`;
    const request = new Request(MESSAGES.replace(ORIGIN, twilio.baseUrl), {
      method: "POST",
      headers: { authorization: auth() },
      body: "To=%2B1&From=%2B2&Body=x",
    });

    expect((await twilio.handle(request)).status).toBe(201);
    expect(twilio.addMedia(new Uint8Array([1]), "image/gif")).toStartWith(
      `${ORIGIN}/sandbox/twilio/2010-04-01/`,
    );
  });
});
