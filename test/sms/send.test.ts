import { afterEach, describe, expect, it } from "bun:test";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import type { InjectedResponse } from "../../src/sandbox/twilio";
import { createTwilioSms } from "../../src/sms/send";
import { rebase } from "../../src/sms/twilio-endpoint";
import { sendFailure } from "../../src/sms/twilio-failure";
import { fetchTwilioMedia } from "../../src/sms/twilio-media";
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  STATUS_CALLBACK,
  startTwilio,
  TWILIO_NUMBER,
  type TwilioFixture,
  testCert,
  testKey,
} from "../support/twilio";

const TEXTER = "+14155550123";
const basicAuth = `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`;

async function environmentTrustsTestCert(): Promise<boolean> {
  const extraPath = process.env.NODE_EXTRA_CA_CERTS;
  if (extraPath === undefined) return false;
  const extra = await Bun.file(extraPath)
    .text()
    .catch(() => "");
  return extra.replace(/\s/g, "").includes(testCert.replace(/-----[^-]+-----|\s/g, ""));
}

const trustsTestCert = await environmentTrustsTestCert();

let fixture: TwilioFixture | undefined;
function start(options?: Parameters<typeof startTwilio>[0]): TwilioFixture {
  fixture = startTwilio(options);
  return fixture;
}
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe("createTwilioSms send", () => {
  it("should deliver the text to the stand-in with To, From, Body and the account's Basic auth", async () => {
    const { sms, standIn } = start();
    const authorizations: (string | null)[] = [];
    const handle = standIn.handle;
    standIn.handle = (request) => {
      authorizations.push(request.headers.get("authorization"));
      return handle(request);
    };

    const outcome = await sms.send(TEXTER, "Posted: https://x.com/ann/status/1");

    const [message] = standIn.messagesTo(TEXTER);
    expect(outcome).toEqual({ kind: "sent", sid: message?.sid ?? "missing" });
    expect(message).toMatchObject({
      from: TWILIO_NUMBER,
      messagingServiceSid: null,
      body: "Posted: https://x.com/ann/status/1",
    });
    expect(message?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(authorizations).toEqual([basicAuth]);
    expect(standIn.requests).toEqual([
      {
        method: "POST",
        path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
        query: "",
        hasAuthorization: true,
      },
    ]);
  });

  it("should send through the Messaging Service when one is configured instead of a number", async () => {
    const { sms, standIn } = start({ sender: { messagingServiceSid: "MG0123456789abcdef0123456789abcdef" } });

    expect((await sms.send(TEXTER, "hi")).kind).toBe("sent");
    expect(standIn.messages()).toMatchObject([
      { to: TEXTER, from: null, messagingServiceSid: "MG0123456789abcdef0123456789abcdef", body: "hi" },
    ]);
  });

  it("should report opted_out when Twilio answers 21610", async () => {
    const { sms, standIn } = start();
    standIn.optOut(TEXTER);

    expect(await sms.send(TEXTER, "hi")).toEqual({ kind: "opted_out" });
    expect(standIn.messages()).toEqual([]);
  });

  it("should report unavailable on a 500 and on a 429", async () => {
    const { sms, standIn } = start();
    standIn.failNext({ status: 500, body: "<html>oops</html>" });
    standIn.failNext({ status: 429, body: { code: 20429, message: "Too Many Requests", status: 429 } });

    const notSent = { kind: "unavailable" as const, detail: expect.any(String), ambiguous: false };
    expect(await sms.send(TEXTER, "one")).toEqual(notSent);
    expect(await sms.send(TEXTER, "two")).toEqual(notSent);
    expect((await sms.send(TEXTER, "three")).kind).toBe("sent");
  });

  it("should report rejected with Twilio's code on another 400, without the full number in the detail", async () => {
    const { sms, standIn } = start();
    const message = `The 'To' number ${TEXTER} is not a valid phone number.`;
    standIn.failNext({ status: 400, body: { code: 21211, message, more_info: "", status: 400 } });

    const outcome = await sms.send(TEXTER, "hi");

    expect(outcome).toMatchObject({ kind: "rejected", code: 21211 });
    expect(outcome.kind === "rejected" && outcome.detail).not.toContain(TEXTER);
  });

  it("should report rejected with 20003 when the auth token is wrong", async () => {
    const { sms, standIn } = start({ clientAuthToken: "not-the-token" });

    expect(await sms.send(TEXTER, "hi")).toMatchObject({ kind: "rejected", code: 20003 });
    expect(standIn.messages()).toEqual([]);
  });

  it("should report an ambiguous unavailable when Twilio is slower than the timeout", async () => {
    const { sms, standIn } = start({ timeoutMs: 100 });
    standIn.delayMs = 1_000;

    expect(await sms.send(TEXTER, "hi")).toMatchObject({ kind: "unavailable", ambiguous: true });
  });

  // Meaningless when the environment already trusts the test CA (e.g. through NODE_EXTRA_CA_CERTS in CI).
  it.skipIf(trustsTestCert)(
    "should verify TLS: without the test CA the stand-in's certificate is refused",
    async () => {
      const { url } = start();
      const untrusting = createTwilioSms({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        sender: { phoneNumber: TWILIO_NUMBER },
        apiUrl: url,
        statusCallback: STATUS_CALLBACK,
      });

      expect(await untrusting.send(TEXTER, "hi")).toMatchObject({ kind: "unavailable", ambiguous: false });
    },
  );

  it("should throw on failures that are neither Twilio's answer nor the network", () => {
    expect(() => sendFailure(new TypeError("bug"))).toThrow("unexpected failure from the twilio client");
  });
});

describe("createTwilioSms answers that cannot be read", () => {
  const accepted: Record<string, InjectedResponse> = {
    "an HTML 200": { status: 200, raw: { body: "<html><body>OK!</body></html>", contentType: "text/html" } },
    "a 201 with {}": { status: 201, body: {} },
    "an empty 201": { status: 201, raw: { body: "" } },
    "a bare OK": { status: 200, raw: { body: "OK", contentType: "text/plain" } },
  };
  for (const [answer, fault] of Object.entries(accepted)) {
    it(`should count ${answer} as sent, with no sid`, async () => {
      const { sms, standIn } = start();
      standIn.failNext({ ...fault, afterHandling: true });

      expect(await sms.send(TEXTER, "taken")).toEqual({ kind: "sent", sid: null });
      expect(standIn.messagesTo(TEXTER).map((message) => message.body)).toEqual(["taken"]);
    });
  }

  it("should report a redirect and an HTML 502 as unavailable and certainly not sent", async () => {
    const { sms, standIn } = start();
    standIn.failNext({ status: 302, headers: { location: "https://www.twilio.com/login" } });
    standIn.failNext({ status: 502, raw: { body: "<html>Bad Gateway</html>", contentType: "text/html" } });

    expect(await sms.send(TEXTER, "one")).toMatchObject({ kind: "unavailable", ambiguous: false });
    expect(await sms.send(TEXTER, "two")).toMatchObject({ kind: "unavailable", ambiguous: false });
    expect(standIn.messages()).toEqual([]);
  });
});

describe("createTwilioSms network failures", () => {
  it("should report a timeout after Twilio took the text as ambiguous", async () => {
    const { sms, standIn } = start({ timeoutMs: 100 });
    standIn.failNext({ delayMs: 1_000 });

    expect(await sms.send(TEXTER, "maybe")).toEqual({
      kind: "unavailable",
      detail: expect.stringContaining("ECONNABORTED"),
      ambiguous: true,
    });
    expect(standIn.messagesTo(TEXTER)).toHaveLength(1);
  });

  it("should report a refused connection as certainly not sent", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);

    const outcome = await gatewayAt(`https://127.0.0.1:${port}`).send(TEXTER, "hi");

    expect(outcome).toEqual({
      kind: "unavailable",
      detail: expect.stringContaining("ECONNREFUSED"),
      ambiguous: false,
    });
  });

  it("should report a connection reset after the request was written as ambiguous", async () => {
    const server = tls.createServer({ cert: testCert, key: testKey }, (socket) => {
      socket.once("data", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await gatewayAt(`https://127.0.0.1:${port}`).send(TEXTER, "hi")).toMatchObject({
        kind: "unavailable",
        ambiguous: true,
      });
    } finally {
      server.close();
    }
  });
});

describe("createTwilioSms findSent", () => {
  it("should find a text Twilio took, by recipient and exact body, asking with DateSent> to the second", async () => {
    const { sms, standIn } = start();
    const since = Date.now() - 1_500;
    await sms.send("+14155550999", "Posted: hello");
    await sms.send(TEXTER, "Posted: hello");
    await sms.send(TEXTER, "Posted: hello again");

    const found = await sms.findSent(TEXTER, "Posted: hello", since);

    expect(found).toEqual({ kind: "found", sid: standIn.messagesTo(TEXTER)[0]?.sid ?? "missing" });
    const listing = standIn.requests.find((request) => request.method === "GET");
    const after = new Date(Math.floor(since / 1000) * 1000).toISOString().replace(".000Z", "Z");
    expect(new URLSearchParams(listing?.query)).toEqual(
      new URLSearchParams({ To: TEXTER, "DateSent>": after, PageSize: "50" }),
    );
  });

  it("should not find a text with another body, to another number, or sent before since", async () => {
    const { sms } = start();
    await sms.send(TEXTER, "Posted: hello");
    const since = Date.now() - 2_000;

    expect(await sms.findSent(TEXTER, "Posted: hello!", since)).toEqual({ kind: "not_found" });
    expect(await sms.findSent("+14155550999", "Posted: hello", since)).toEqual({ kind: "not_found" });
    expect(await sms.findSent(TEXTER, "Posted: hello", Date.now() + 2_000)).toEqual({ kind: "not_found" });
  });

  it("should resolve a send whose answer was lost to the text Twilio took", async () => {
    const { sms, standIn } = start({ timeoutMs: 100 });
    const since = Date.now();
    standIn.failNext({ delayMs: 1_000 });

    expect(await sms.send(TEXTER, "lost answer")).toMatchObject({ kind: "unavailable", ambiguous: true });
    const sid = standIn.messagesTo(TEXTER)[0]?.sid;
    expect(await sms.findSent(TEXTER, "lost answer", since)).toEqual({
      kind: "found",
      sid: sid ?? "missing",
    });
  });

  it("should report unavailable when the list fails or cannot be read", async () => {
    const { sms, standIn } = start();
    await sms.send(TEXTER, "hi");
    const since = Date.now() - 2_000;
    standIn.failNext({ endpoint: "list", status: 503 });
    standIn.failNext({ endpoint: "list", status: 200, raw: { body: "<html/>", contentType: "text/html" } });
    standIn.failNext({ endpoint: "list", status: 200, body: {} });
    standIn.failNext({
      endpoint: "list",
      status: 302,
      headers: { location: "https://www.twilio.com/login" },
    });

    for (let i = 0; i < 4; i++) {
      expect(await sms.findSent(TEXTER, "hi", since)).toEqual({
        kind: "unavailable",
        detail: expect.any(String),
      });
    }
    expect((await sms.findSent(TEXTER, "hi", since)).kind).toBe("found");
  });
});

function gatewayAt(apiUrl: string): ReturnType<typeof createTwilioSms> {
  return createTwilioSms({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    sender: { phoneNumber: TWILIO_NUMBER },
    apiUrl,
    statusCallback: STATUS_CALLBACK,
    ca: testCert,
    timeoutMs: 2_000,
  });
}

describe("createTwilioSms fetchMedia", () => {
  it("should follow Twilio's 307 with Basic auth and not carry the credentials to the CDN", async () => {
    const { sms, standIn, cdnUrl } = start();
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const url = standIn.addMedia(bytes, "image/jpeg");

    const result = await sms.fetchMedia(url);

    expect(result).toEqual({ kind: "ok", bytes, contentType: "image/jpeg" });
    const [media, cdn] = standIn.requests;
    expect(media).toMatchObject({ method: "GET", hasAuthorization: true });
    expect(cdn).toMatchObject({ method: "GET", hasAuthorization: false });
    expect(cdn?.path.startsWith("/cdn/")).toBe(true);
    expect(cdnUrl).not.toBe(new URL(url).origin);
  });

  it("should send no credentials anywhere but Twilio's API origin, and read no file", async () => {
    const { sms, standIn } = start();
    const seen: { url: string; authorization: string | null }[] = [];
    const recorder = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(request) {
        seen.push({ url: request.url, authorization: request.headers.get("authorization") });
        return new Response(new Uint8Array([137, 80, 78, 71]), { headers: { "content-type": "image/png" } });
      },
    });
    try {
      const elsewhere = `http://127.0.0.1:${recorder.port}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`;
      expect(await sms.fetchMedia(elsewhere)).toMatchObject({ kind: "refused" });
      expect(await sms.fetchMedia("file:///etc/passwd")).toMatchObject({ kind: "refused" });
      expect(await sms.fetchMedia("data:image/png;base64,iVBORw0KGgo=")).toMatchObject({ kind: "refused" });
      // Twilio's own redirect to a CDN that is not https is not followed either.
      standIn.cdnUrl = `http://127.0.0.1:${recorder.port}`;
      const media = standIn.addMedia(new Uint8Array([1]), "image/png");
      expect(await sms.fetchMedia(media)).toMatchObject({ kind: "refused" });
      expect(seen).toEqual([]);
    } finally {
      recorder.stop(true);
    }
  });

  it("should report rejected when the media does not exist or the credentials are wrong", async () => {
    const { sms, standIn } = start({ clientAuthToken: "not-the-token" });
    const url = standIn.addMedia(new Uint8Array([1]), "image/png");

    expect((await sms.fetchMedia(url)).kind).toBe("rejected");
    expect((await sms.fetchMedia(`${url}0`)).kind).toBe("rejected");
  });

  it("should report unavailable when Twilio cannot be reached", async () => {
    const { sms, standIn, stop } = start();
    const url = standIn.addMedia(new Uint8Array([1]), "image/png");
    await stop();

    expect((await sms.fetchMedia(url)).kind).toBe("unavailable");
  });

  it("should refuse media larger than the cap", async () => {
    const { standIn } = start();
    const url = standIn.addMedia(new Uint8Array(11), "image/gif");
    const apiUrl = new URL(url).origin;
    const options = {
      apiUrl,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      ca: testCert,
      timeoutMs: 5_000,
    };

    expect(await fetchTwilioMedia(url, { ...options, maxBytes: 10 })).toMatchObject({ kind: "rejected" });
    expect(await fetchTwilioMedia(url, { ...options, maxBytes: 11 })).toMatchObject({ kind: "ok" });
  });
});

describe("rebase", () => {
  it("should move twilio's hardcoded and regional hosts onto the configured API URL, keeping path and query", () => {
    const uri = "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=1";

    expect(rebase(uri, "http://127.0.0.1:3000/sandbox/twilio")).toBe(
      "http://127.0.0.1:3000/sandbox/twilio/2010-04-01/Accounts/AC1/Messages.json?PageSize=1",
    );
  });
});
