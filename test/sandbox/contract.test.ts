import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createXStandIn } from "../../src/sandbox/x";
import type { XTokens } from "../../src/x/gateway";
import { startTwilio, type TwilioFixture, testCert } from "../support/twilio";
import { connectX, startX, X_CLIENT_ID, X_CLIENT_SECRET, X_REDIRECT_URI, type XHarness } from "../support/x";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);

let x: XHarness;
let alice: XTokens;

beforeAll(async () => {
  x = await startX();
  alice = await connectX(x, "alice");
});
afterAll(() => x.stop());

/** A request straight to the X stand-in with alice's token, as a client other than ours might send it. */
function callX(path: string, body: unknown, token = alice.accessToken): Promise<Response> {
  return fetch(`${x.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    tls: { ca: x.ca },
  });
}

describe("the X stand-in held to X's OpenAPI document", () => {
  it("should refuse a post carrying a field X does not know with X's 400 naming it, and record it", async () => {
    const before = x.standIn.posts().length;
    const response = await callX("/2/tweets", { text: "hello", mood: "sunny" });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      title: "Invalid Request",
      errors: [{ parameters: { mood: [expect.any(String)] } }],
    });
    expect(x.standIn.posts().length).toBe(before);
    expect(x.standIn.takeViolations()).toMatchObject([
      {
        service: "X",
        method: "POST",
        path: "/2/tweets",
        direction: "request",
        problems: [{ parameter: "mood" }],
      },
    ]);
  });

  it("should refuse a media_category outside X's list", async () => {
    const response = await callX("/2/media/upload/initialize", {
      media_type: "image/png",
      total_bytes: 10,
      media_category: "tweet_picture",
    });

    expect(response.status).toBe(400);
    expect(x.standIn.takeViolations()).toMatchObject([{ problems: [{ parameter: "media_category" }] }]);
  });

  it("should refuse a post without text, as X's backend does, and take a picture-only post with an empty one", async () => {
    const upload = await x.gateway.uploadMedia(alice.accessToken, PNG, "image/png");
    if (upload.kind !== "ok") throw new Error(`upload failed: ${JSON.stringify(upload)}`);

    const absent = await callX("/2/tweets", { media: { media_ids: [upload.value] } });
    expect(absent.status).toBe(400);
    expect(x.standIn.takeViolations()).toMatchObject([{ problems: [{ parameter: "text" }] }]);

    const posted = await x.gateway.post(alice.accessToken, { text: "", mediaIds: [upload.value] });
    expect(posted.kind).toBe("ok");
    expect(x.standIn.posts().at(-1)).toMatchObject({ text: "", mediaIds: [upload.value] });
  });

  it("should catch an answer of the stand-in's own that X's schema does not allow", async () => {
    // Not a fault: the stand-in's own answer with a post id X could never give.
    x.standIn.failNext("tweets", {
      rewrite: (body) => ({ data: { ...(body as { data: object }).data, id: "not-a-number" } }),
    });
    await x.gateway.post(alice.accessToken, { text: "an answer X could not give" });

    expect(x.standIn.takeViolations()).toMatchObject([
      { direction: "response", status: 201, problems: [{ parameter: "data.id" }] },
    ]);
  });

  it("should answer a post it cannot show with 200 and a partial error in X's documented shape", async () => {
    expect(await x.gateway.getPost(alice.accessToken, "1234567890123456789")).toEqual({
      kind: "ok",
      value: null,
    });
    expect(x.standIn.takeViolations()).toEqual([]);
  });

  it("should let injected faults through unchecked: they are X misbehaving on purpose", async () => {
    x.standIn.failNext("users_me", { status: 200, body: { data: { id: 42 } } });
    expect((await x.gateway.me(alice.accessToken)).kind).toBe("unreadable");
    expect(x.standIn.takeViolations()).toEqual([]);
  });
});

/** Connects `username` granting only `scope`, as a texter could by editing the consent at X. */
async function tokenWithScopes(username: string, scope: string): Promise<string> {
  const request = x.gateway.authorizationRequest(X_REDIRECT_URI);
  const url = new URL(request.url);
  url.searchParams.set("scope", scope);
  const code = new URL(await x.standIn.approve(url.toString(), username)).searchParams.get("code") ?? "";
  const exchanged = await x.gateway.exchangeCode(code, request.codeVerifier, X_REDIRECT_URI);
  if (exchanged.kind !== "ok") throw new Error(`exchange failed: ${exchanged.kind}`);
  return exchanged.tokens.accessToken;
}

describe("scopes per operation, from X's document", () => {
  it("should answer 403 to a post with a token lacking tweet.read and users.read, as X's security says", async () => {
    const token = await tokenWithScopes("writeonly", "tweet.write offline.access");
    const before = x.standIn.posts().length;

    expect((await callX("/2/tweets", { text: "write alone is not enough" }, token)).status).toBe(403);
    expect(x.standIn.posts().length).toBe(before);
  });

  it("should answer 403 to an upload with a token granted without media.write, and store nothing", async () => {
    const token = await tokenWithScopes("nomedia", "tweet.read tweet.write users.read offline.access");
    const mediaBefore = x.standIn.media().length;

    const raw = await callX(
      "/2/media/upload/initialize",
      { media_type: "image/png", total_bytes: 10 },
      token,
    );
    expect(raw.status).toBe(403);
    expect((await x.gateway.uploadMedia(token, PNG, "image/png")).kind).not.toBe("ok");
    expect(x.standIn.media().length).toBe(mediaBefore);
    expect((await x.gateway.post(token, { text: "text alone needs no media.write" })).kind).toBe("ok");
  });
});

describe("validation switched off (benchmarks)", () => {
  it("should take what X would refuse and record nothing", async () => {
    const standIn = createXStandIn({ clientId: X_CLIENT_ID, clientSecret: X_CLIENT_SECRET, validate: false });
    const request = new Request("https://x.test/2/users/me?mood=sunny", {
      headers: { authorization: "Bearer nope" },
    });

    expect((await standIn.handle(request)).status).toBe(401);
    expect(standIn.takeViolations()).toEqual([]);
  });
});

describe("the Twilio stand-in held to Twilio's OpenAPI document", () => {
  let twilio: TwilioFixture;
  beforeAll(() => {
    twilio = startTwilio();
  });
  afterAll(() => twilio.stop());

  it("should accept what the real twilio client sends, StatusCallback included", async () => {
    const sent = await twilio.sms.send("+14155550123", "hello");
    expect(sent.kind).toBe("sent");
    const form = new URLSearchParams({
      To: "+14155550123",
      From: "+15005550006",
      Body: "with a callback",
      StatusCallback: "https://smstweet.test/sms/status",
    });
    const response = await fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${twilio.accountSid}:${twilio.authToken}`)}` },
      body: form,
      tls: { ca: testCert },
    });
    expect(response.status).toBe(201);
    expect(twilio.standIn.takeViolations()).toEqual([]);
  });

  it("should refuse a MessagingServiceSid that is not one with Twilio's 400, and record it", async () => {
    const response = await fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${twilio.accountSid}:${twilio.authToken}`)}` },
      body: new URLSearchParams({ To: "+14155550123", MessagingServiceSid: "MG1", Body: "hi" }),
      tls: { ca: testCert },
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 20001, status: 400 });
    const violations = twilio.standIn.takeViolations();
    expect(violations).toMatchObject([{ service: "Twilio", direction: "request" }]);
    expect(new Set(violations[0]?.problems.map((problem) => problem.parameter))).toEqual(
      new Set(["MessagingServiceSid"]),
    );
  });

  it("should catch an answer of the stand-in's own that Twilio's schema does not allow", async () => {
    twilio.standIn.failNext({ rewrite: (body) => ({ ...(body as object), direction: "sideways" }) });
    await twilio.sms.send("+14155550123", "an answer Twilio could not give");

    expect(twilio.standIn.takeViolations()).toMatchObject([
      { service: "Twilio", direction: "response", status: 201, problems: [{ parameter: "direction" }] },
    ]);
  });
});
