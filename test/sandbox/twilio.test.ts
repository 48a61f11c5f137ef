import { describe, expect, it } from "bun:test";
import fc from "fast-check";
import { SegmentedMessage } from "sms-segments-calculator";
import { inboundParams } from "../../src/sandbox/phone";
import { createTwilioStandIn } from "../../src/sandbox/twilio";
import { twilioSegments } from "../../src/sandbox/twilio/segments";
import { SEGMENT_SAMPLES, segmentTexts } from "../support/segment-cases";
import { waitFor } from "../support/wait";

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
        statusCallback: null,
      },
    ]);
  });

  it("should report num_segments and NumSegments as Twilio's calculator counts them", async () => {
    const twilio = standIn();
    for (const body of SEGMENT_SAMPLES.filter((sample) => sample !== "")) {
      const expected = String(new SegmentedMessage(body).segmentsCount);
      const response = await twilio.handle(post({ To: "+14155550123", From: "+15005550006", Body: body }));
      expect({ body, segments: (await response.json()).num_segments }).toEqual({ body, segments: expected });
      const inbound = inboundParams({
        accountSid: ACCOUNT_SID,
        from: "+14155550123",
        to: "+15005550006",
        body,
      });
      expect({ body, segments: inbound.NumSegments }).toEqual({ body, segments: expected });
    }
  });

  it("should count random mixes of one- and two-unit characters as Twilio's calculator does", () => {
    fc.assert(
      fc.property(segmentTexts, (text) => {
        expect(twilioSegments(text)).toBe(new SegmentedMessage(text).segmentsCount);
      }),
      { numRuns: 200 },
    );
  }, 30_000); // sms-segments-calculator is slow under Bun: room for a loaded CI machine

  it("should keep every MediaUrl of an outbound MMS", async () => {
    const twilio = standIn();
    await twilio.handle(
      post({
        To: "+1",
        MessagingServiceSid: `MG${"1".repeat(32)}`,
        MediaUrl: ["https://a/1", "https://a/2"],
      }),
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
    // Twilio's schema requires To; Body is optional there (media may stand in for it).
    expect(twilio.takeViolations()).toMatchObject([
      { direction: "request", problems: [{ parameter: "To" }] },
    ]);
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
      headers: { authorization: auth(), "content-type": "application/x-www-form-urlencoded" },
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
      headers: { authorization: auth(), "content-type": "application/x-www-form-urlencoded" },
      body: "To=%2B1&From=%2B2&Body=x",
    });

    expect((await twilio.handle(request)).status).toBe(201);
    expect(twilio.addMedia(new Uint8Array([1]), "image/gif")).toStartWith(
      `${ORIGIN}/sandbox/twilio/2010-04-01/`,
    );
  });
});

describe("Twilio stand-in injected answers", () => {
  const send = (twilio: ReturnType<typeof standIn>, body = "x"): Promise<Response> =>
    twilio.handle(post({ To: "+1", From: "+2", Body: body }));

  it("should answer raw faults verbatim: an HTML page, a bare OK, an empty 2xx and a redirect", async () => {
    const twilio = standIn();
    twilio.failNext({ status: 200, raw: { body: "<html>Gateway</html>", contentType: "text/html" } });
    twilio.failNext({ status: 200, raw: { body: "OK", contentType: "text/plain" } });
    twilio.failNext({ status: 201, raw: { body: "" } });
    twilio.failNext({ status: 302, headers: { location: "https://www.twilio.com/login" } });

    const answers = [];
    for (let i = 0; i < 4; i++) {
      const response = await send(twilio);
      answers.push([response.status, response.headers.get("content-type"), await response.text()]);
    }
    expect(answers).toEqual([
      [200, "text/html", "<html>Gateway</html>"],
      [200, "text/plain", "OK"],
      [201, null, ""],
      [302, null, ""],
    ]);
    expect(twilio.messages()).toEqual([]);
  });

  it("should send the message for real, then answer with the fault, when afterHandling is set", async () => {
    const twilio = standIn();
    twilio.failNext({ status: 200, body: {}, afterHandling: true });

    const response = await send(twilio, "taken");

    expect(await response.json()).toEqual({});
    expect(twilio.messages().map((message) => message.body)).toEqual(["taken"]);
  });

  it("should have sent the message before it holds Twilio's own answer for delayMs", async () => {
    const twilio = standIn();
    twilio.failNext({ delayMs: 500 });
    let answered = false;
    const pending = send(twilio, "held").then((response) => {
      answered = true;
      return response;
    });

    await waitFor(() => twilio.messages().length === 1, "the held message to be created");
    expect(answered).toBe(false);
    const response = await pending;
    expect(response.status).toBe(201);
    expect((await response.json()).sid).toBe(twilio.messages()[0]?.sid);
  });

  it("should hold a fault for delayMs without sending when afterHandling is not set", async () => {
    const twilio = standIn();
    twilio.failNext({ status: 503, delayMs: 20 });

    expect((await send(twilio)).status).toBe(503);
    expect(twilio.messages()).toEqual([]);
  });

  it("should keep list faults for the list endpoint and send faults for sends", async () => {
    const twilio = standIn();
    twilio.failNext({ endpoint: "list", status: 503 });

    expect((await send(twilio)).status).toBe(201);
    expect((await twilio.handle(list(""))).status).toBe(503);
    expect((await twilio.handle(list(""))).status).toBe(200);
  });
});

function list(query: string, authorization = auth()): Request {
  return new Request(`${MESSAGES}?${query}`, { headers: { authorization } });
}

type Page = {
  messages: Record<string, unknown>[];
  end: number;
  first_page_uri: string;
  next_page_uri: string | null;
  page: number;
  page_size: number;
  previous_page_uri: string | null;
  start: number;
  uri: string;
};

describe("Twilio stand-in Messages list", () => {
  /** Three texts one and a half seconds apart from 2026-01-02 03:04:05.500 UTC, and one a day later. */
  async function seeded(): Promise<ReturnType<typeof createTwilioStandIn>> {
    let now = Date.UTC(2026, 0, 2, 3, 4, 5, 500);
    const twilio = createTwilioStandIn({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      clock: { now: () => now },
    });
    for (const [to, body, at] of [
      ["+1", "one", 0],
      ["+3", "two", 1_500],
      ["+1", "three", 3_000],
      ["+1", "tomorrow", 86_400_000],
    ] as const) {
      now = Date.UTC(2026, 0, 2, 3, 4, 5, 500) + at;
      await twilio.handle(post({ To: to, From: "+2", Body: body }));
    }
    return twilio;
  }

  async function bodies(twilio: ReturnType<typeof standIn>, query: string): Promise<string[]> {
    const response = await twilio.handle(list(query));
    expect(response.status).toBe(200);
    return ((await response.json()) as Page).messages.map((message) => String(message.body));
  }

  it("should list the account's messages newest first in Twilio's page shape", async () => {
    const twilio = await seeded();

    const response = await twilio.handle(list("To=%2B1&PageSize=2"));
    const page = (await response.json()) as Page;

    const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
    expect(page).toEqual({
      messages: [expect.objectContaining({ body: "tomorrow" }), expect.objectContaining({ body: "three" })],
      end: 1,
      first_page_uri: `${path}?To=%2B1&PageSize=2&Page=0`,
      next_page_uri: `${path}?To=%2B1&PageSize=2&Page=1&PageToken=PASM1`,
      page: 0,
      page_size: 2,
      previous_page_uri: null,
      start: 0,
      uri: `${path}?To=%2B1&PageSize=2&Page=0`,
    });
    expect(page.messages[1]).toMatchObject({
      account_sid: ACCOUNT_SID,
      to: "+1",
      from: "+2",
      status: "sent",
      direction: "outbound-api",
      date_created: "Fri, 02 Jan 2026 03:04:08 +0000",
      date_sent: "Fri, 02 Jan 2026 03:04:08 +0000",
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      uri: expect.stringMatching(/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/SM[0-9a-f]{32}\.json$/),
    });
  });

  it("should follow next_page_uri to the rest", async () => {
    const twilio = await seeded();
    const first = (await (await twilio.handle(list("PageSize=3"))).json()) as Page;
    const second = (await (
      await twilio.handle(
        new Request(`${ORIGIN}${first.next_page_uri}`, { headers: { authorization: auth() } }),
      )
    ).json()) as Page;

    expect(second).toMatchObject({
      page: 1,
      start: 3,
      end: 3,
      next_page_uri: null,
      previous_page_uri: expect.any(String),
    });
    expect(second.messages.map((message) => message.body)).toEqual(["one"]);
  });

  it("should filter by To and From", async () => {
    const twilio = await seeded();

    expect(await bodies(twilio, "To=%2B3")).toEqual(["two"]);
    expect(await bodies(twilio, "From=%2B2&To=%2B1")).toEqual(["tomorrow", "three", "one"]);
    expect(await bodies(twilio, "From=%2B9")).toEqual([]);
  });

  it("should filter DateSent>, DateSent< and DateSent to the second, or by GMT day", async () => {
    const twilio = await seeded();

    // twilio-node's dateSentAfter: seconds, inclusive. "one" went at 03:04:05.500, inside 03:04:05.
    expect(await bodies(twilio, "DateSent%3E=2026-01-02T03:04:05Z")).toEqual([
      "tomorrow",
      "three",
      "two",
      "one",
    ]);
    expect(await bodies(twilio, "DateSent%3E=2026-01-02T03:04:06Z")).toEqual(["tomorrow", "three", "two"]);
    expect(await bodies(twilio, "DateSent%3C=2026-01-02T03:04:07Z")).toEqual(["two", "one"]);
    expect(await bodies(twilio, "DateSent=2026-01-02T03:04:07Z")).toEqual(["two"]);
    expect(await bodies(twilio, "DateSent=2026-01-03")).toEqual(["tomorrow"]);
    expect(await bodies(twilio, "DateSent%3C=2026-01-02")).toEqual(["three", "two", "one"]);
    expect(await bodies(twilio, "DateSent%3E=Sat%2C+03+Jan+2026+00%3A00%3A00+%2B0000")).toEqual(["tomorrow"]);
  });

  it("should answer 401 without credentials, 404 for another account and 400 for a bad PageSize or date", async () => {
    const twilio = await seeded();

    expect((await twilio.handle(list("", auth("wrong")))).status).toBe(401);
    expect(
      (
        await twilio.handle(
          new Request(MESSAGES.replace(ACCOUNT_SID, `AC${"f".repeat(32)}`), {
            headers: { authorization: auth() },
          }),
        )
      ).status,
    ).toBe(404);
    expect((await twilio.handle(list("PageSize=1001"))).status).toBe(400);
    expect((await twilio.handle(list("DateSent%3E=soon"))).status).toBe(400);
    // Both break Twilio's schema, which caps PageSize at 1000 and types DateSent as a date.
    expect(twilio.takeViolations().map((violation) => violation.problems[0]?.parameter)).toEqual([
      "PageSize",
      "DateSent>",
    ]);
  });
});
