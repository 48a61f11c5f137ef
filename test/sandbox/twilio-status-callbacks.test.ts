import { afterEach, describe, expect, it } from "bun:test";
import type { Server } from "bun";
import twilio from "twilio";
import { createTwilioStandIn } from "../../src/sandbox/twilio";
import { waitFor } from "../support/wait";

const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN = "stand-in-token";
const MESSAGES = `https://twilio.test/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const PUBLIC_CALLBACK = "https://smstweet.example/sms/status";

type Received = { params: Record<string, string>; valid: boolean };

let app: Server<undefined> | undefined;
afterEach(() => app?.stop(true));

/** An app that records each callback and checks its signature the way our webhook does. */
function recordingApp(answer = 204): { received: Received[]; origin: string } {
  const received: Received[] = [];
  app = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const params = Object.fromEntries(new URLSearchParams(await request.text()));
      const signature = request.headers.get("x-twilio-signature") ?? "";
      const valid = twilio.validateRequest(AUTH_TOKEN, signature, PUBLIC_CALLBACK, params);
      received.push({ params, valid });
      return new Response(null, { status: answer });
    },
  });
  return { received, origin: `http://127.0.0.1:${app.port}` };
}

function standInCallingBack(origin: string) {
  const standIn = createTwilioStandIn({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  standIn.callbacks.origin = origin;
  return standIn;
}

const send = (standIn: ReturnType<typeof createTwilioStandIn>, to: string, statusCallback?: string) =>
  standIn.handle(
    new Request(MESSAGES, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}` },
      body: new URLSearchParams({
        To: to,
        From: "+15005550006",
        Body: "hello",
        ...(statusCallback ? { StatusCallback: statusCallback } : {}),
      }),
    }),
  );

describe("Twilio stand-in status callbacks", () => {
  it("should call the StatusCallback after answering, signed for its URL: sent, then delivered", async () => {
    const { received, origin } = recordingApp();
    const standIn = standInCallingBack(origin);
    const answer = await send(standIn, "+14155550181", PUBLIC_CALLBACK);
    expect(received).toHaveLength(0);
    const { sid } = (await answer.json()) as { sid: string };
    await standIn.callbacks.settled();
    expect(received.map((r) => [r.params.MessageStatus, r.params.SmsStatus, r.valid])).toEqual([
      ["sent", "sent", true],
      ["delivered", "delivered", true],
    ]);
    expect(received[1]?.params).toEqual({
      SmsSid: sid,
      SmsStatus: "delivered",
      MessageStatus: "delivered",
      To: "+14155550181",
      MessageSid: sid,
      AccountSid: ACCOUNT_SID,
      From: "+15005550006",
      ApiVersion: "2010-04-01",
    });
    expect(standIn.callbacks.posted.map((c) => c.answer)).toEqual([204, 204]);
  });

  it("should report a dead number's text sent, then undelivered with the ErrorCode; a failed one alone", async () => {
    const { received, origin } = recordingApp();
    const standIn = standInCallingBack(origin);
    standIn.callbacks.failDelivery("+14155550182", 30003);
    standIn.callbacks.failDelivery("+14155550183", 30008, "failed");
    await send(standIn, "+14155550182", PUBLIC_CALLBACK);
    await standIn.callbacks.settled();
    await send(standIn, "+14155550183", PUBLIC_CALLBACK);
    await standIn.callbacks.settled();
    expect(received.map((r) => [r.params.To, r.params.MessageStatus, r.params.ErrorCode, r.valid])).toEqual([
      ["+14155550182", "sent", undefined, true],
      ["+14155550182", "undelivered", "30003", true],
      ["+14155550183", "failed", "30008", true],
    ]);
    standIn.callbacks.restoreDelivery("+14155550182");
    await send(standIn, "+14155550182", PUBLIC_CALLBACK);
    await standIn.callbacks.settled();
    expect(received.at(-1)?.params.MessageStatus).toBe("delivered");
  });

  it("should call nothing for a text sent without a StatusCallback, and survive an app that is down", async () => {
    const { received, origin } = recordingApp();
    const standIn = standInCallingBack(origin);
    await send(standIn, "+14155550184");
    await standIn.callbacks.settled();
    expect(received).toEqual([]);
    standIn.callbacks.origin = "http://127.0.0.1:9";
    await send(standIn, "+14155550184", PUBLIC_CALLBACK);
    await waitFor(() => standIn.callbacks.posted.length === 2, "both callbacks tried");
    expect(standIn.callbacks.posted.map((c) => c.answer)).toEqual(["unreachable", "unreachable"]);
  });
});
