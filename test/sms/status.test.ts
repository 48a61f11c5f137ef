import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import twilio from "twilio";
import { readDeliveryCounts } from "../../src/db/delivery-counts";
import { query } from "../../src/db/sql";
import { createLogger } from "../../src/log";
import { callbackParams } from "../../src/sandbox/twilio";
import { onSqlite } from "../support/database";
import { PUBLIC_URL, startTestService, type TestService } from "../support/service";
import { appEnvironment, startAppProcess, texter } from "../support/stack";
import { startTwilio } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX } from "../support/x";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550171";
const OTHER = "+14155550172";
const STATUS_URL = `${PUBLIC_URL}/sms/status`;

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

async function start(options: Parameters<typeof startTestService>[0] = {}): Promise<TestService> {
  svc = await startTestService(options);
  return svc;
}

/** The texts queued for `phone`, oldest first, as the database has them. */
const textsFor = (s: TestService, phone: string) =>
  query(s.db, (orm, t) => orm.select().from(t.outboundMessages).where(eq(t.outboundMessages.phone, phone)));

const texterRow = async (s: TestService, phone: string) =>
  (await query(s.db, (orm, t) => orm.select().from(t.texters).where(eq(t.texters.phone, phone))))[0];

/** Twilio's callback for the text `sid` to `to`, signed for PUBLIC_URL as Twilio signs it. */
function callback(
  s: TestService,
  sid: string,
  to: string,
  status: "sent" | "delivered" | "undelivered" | "failed",
  options: { errorCode?: number; extra?: Record<string, string>; signature?: string } = {},
): Promise<Response> {
  const params = {
    ...callbackParams(
      { sid, to, from: "+15005550006", messagingServiceSid: null },
      s.twilio.accountSid,
      status,
      options.errorCode ?? null,
    ),
    ...options.extra,
  };
  const signature =
    options.signature ?? twilio.getExpectedTwilioSignature(s.twilio.authToken, STATUS_URL, params);
  return fetch(`${s.url}/sms/status`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
    body: new URLSearchParams(params).toString(),
  });
}

/** Texts "hi" from a new number and returns the link text's row once Twilio has taken it. */
async function linkText(s: TestService, phone: string) {
  await s.text(phone, "hi");
  await s.nthTextTo(phone, 1);
  return waitFor(
    async () => (await textsFor(s, phone)).find((row) => row.twilioSid !== null),
    `the link text's sid`,
  );
}

describe("Twilio's status callbacks", () => {
  it("should ask Twilio for a status callback on PUBLIC_URL/sms/status with every text it sends", async () => {
    const s = await start();
    await s.text(PHONE, "hi");
    await s.nthTextTo(PHONE, 1);
    expect(s.twilio.standIn.messagesTo(PHONE).map((m) => m.statusCallback)).toEqual([STATUS_URL]);
  });

  it("should record that a text was delivered, as Twilio reports it: sent, then delivered", async () => {
    const s = await start();
    const { id } = await linkText(s, PHONE);
    const row = await waitFor(
      async () => (await textsFor(s, PHONE)).find((t) => t.id === id && t.delivery === "delivered"),
      "the delivered report",
    );
    expect(row.deliveryError).toBeNull();
    await s.twilio.standIn.callbacks.settled();
    expect(s.twilio.standIn.callbacks.posted.map((c) => [c.status, c.answer])).toEqual([
      ["sent", 204],
      ["delivered", 204],
    ]);
  });

  it.each([30003, 30005, 30006])(
    "should stop texting a number Twilio reports undeliverable (%i) until it texts again",
    async (code) => {
      const lines: string[] = [];
      const s = await start({ logger: createLogger("info", (line) => lines.push(line)) });
      s.twilio.standIn.callbacks.failDelivery(PHONE, code);
      const link = await linkText(s, PHONE);
      await waitFor(
        async () => (await texterRow(s, PHONE))?.undeliverableCode === code,
        "the number marked undeliverable",
      );
      expect((await textsFor(s, PHONE)).find((t) => t.id === link.id)).toMatchObject({
        delivery: "undelivered",
        deliveryError: code,
      });

      // The browser still has the link: connecting queues "Connected as …", which must not reach Twilio.
      expect((await s.connect(PHONE, "deadphone")).status).toBe(200);
      const connected = await waitFor(
        async () => (await textsFor(s, PHONE)).find((t) => t.id !== link.id && t.status !== "pending"),
        "the Connected text to be settled",
      );
      expect(connected).toMatchObject({ status: "suppressed", error: `undeliverable:${code}` });
      expect(s.twilio.standIn.messagesTo(PHONE)).toHaveLength(1);
      const masked = lines.filter((line) => line.includes("0171"));
      expect(masked.some((l) => l.includes('"sms.undelivered"') && l.includes(`"code":${code}`))).toBe(true);
      expect(lines.some((line) => line.includes(PHONE))).toBe(false);

      // Texting again proves the phone is back: the mark goes and the reply is sent.
      s.twilio.standIn.callbacks.restoreDelivery(PHONE);
      await s.text(PHONE, "STATUS");
      expect(await s.nthTextTo(PHONE, 2)).toStartWith("Connected as @deadphone");
      expect((await texterRow(s, PHONE))?.undeliverableCode).toBeNull();
    },
  );

  it("should keep texting a number whose text was filtered by a carrier (30007): that is about us, not the number", async () => {
    const s = await start();
    s.twilio.standIn.callbacks.failDelivery(PHONE, 30007);
    const link = await linkText(s, PHONE);
    await waitFor(
      async () => (await textsFor(s, PHONE)).find((t) => t.id === link.id && t.delivery === "undelivered"),
      "the undelivered report",
    );
    expect((await texterRow(s, PHONE))?.undeliverableCode).toBeNull();
    expect((await s.connect(PHONE, "filtered")).status).toBe(200);
    expect(await s.nthTextTo(PHONE, 2)).toStartWith("Connected as @filtered");
  });

  it("should record an opt-out that a Messaging Service reports as a failed text (21610)", async () => {
    const s = await start();
    s.twilio.standIn.callbacks.failDelivery(PHONE, 21610, "failed");
    await linkText(s, PHONE);
    await waitFor(async () => (await texterRow(s, PHONE))?.optedOut === true, "the opt-out recorded");
    expect((await texterRow(s, PHONE))?.undeliverableCode).toBeNull();
    expect(await readDeliveryCounts(s.db)).toEqual([{ status: "failed", errorCode: 21610, count: 1 }]);
  });

  it("should refuse a missing or wrong signature with 403 and change nothing", async () => {
    const s = await start();
    s.twilio.standIn.callbacks.origin = "http://127.0.0.1:9"; // Twilio's own callbacks go nowhere here
    const { twilioSid } = await linkText(s, PHONE);
    const sid = twilioSid ?? "";
    expect(
      (await callback(s, sid, PHONE, "undelivered", { errorCode: 30003, signature: "AAAA" })).status,
    ).toBe(403);
    expect((await callback(s, sid, PHONE, "undelivered", { errorCode: 30003, signature: "" })).status).toBe(
      403,
    );
    const forged = await fetch(`${s.url}/sms/status`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        MessageSid: sid,
        MessageStatus: "undelivered",
        ErrorCode: "30003",
      }).toString(),
    });
    expect(forged.status).toBe(403);
    expect((await textsFor(s, PHONE))[0]?.delivery).toBeNull();
    expect((await texterRow(s, PHONE))?.undeliverableCode).toBeNull();
    expect(await readDeliveryCounts(s.db)).toEqual([]);
  });

  it("should keep a text's final status whatever order the callbacks come in, and count it once", async () => {
    const s = await start();
    s.twilio.standIn.callbacks.origin = "http://127.0.0.1:9";
    const { id, twilioSid } = await linkText(s, PHONE);
    const sid = twilioSid ?? "";
    for (const status of ["delivered", "sent", "delivered", "undelivered"] as const) {
      const response = await callback(
        s,
        sid,
        PHONE,
        status,
        status === "undelivered" ? { errorCode: 30003 } : {},
      );
      expect(response.status).toBe(204);
    }
    expect((await textsFor(s, PHONE)).find((t) => t.id === id)).toMatchObject({
      delivery: "delivered",
      deliveryError: null,
    });
    expect((await texterRow(s, PHONE))?.undeliverableCode).toBeNull();
    expect(await readDeliveryCounts(s.db)).toEqual([{ status: "delivered", errorCode: null, count: 1 }]);
  });

  it.skipIf(!onSqlite)(
    "should keep answering other requests while another connection holds the write lock, then record, on SQLite",
    async () => {
      const s = await start();
      s.twilio.standIn.callbacks.origin = "http://127.0.0.1:9";
      const { id, twilioSid } = await linkText(s, PHONE);
      // In production the worker has its own thread; here it shares this loop, and its writes may wait.
      await s.service.delivery.stop();
      // Another process (or the delivery thread) writing: SQLite's busy handler would freeze this event loop.
      const other = new Database(s.dbPath);
      other.run("BEGIN IMMEDIATE");
      try {
        const report = callback(s, twilioSid ?? "", PHONE, "delivered");
        // Not /healthz: its write probe waits for the lock too (and says 503 if it is held too long).
        expect((await fetch(`${s.url}/`)).status).toBe(200);
        expect((await textsFor(s, PHONE)).find((t) => t.id === id)?.delivery).toBeNull();
        other.run("COMMIT");
        expect((await report).status).toBe(204);
      } finally {
        other.close();
      }
      expect((await textsFor(s, PHONE)).find((t) => t.id === id)?.delivery).toBe("delivered");
    },
  );

  it("should count final statuses by error code, without phone numbers", async () => {
    const s = await start();
    s.twilio.standIn.callbacks.failDelivery(OTHER, 30006);
    await linkText(s, PHONE);
    await linkText(s, OTHER);
    await s.twilio.standIn.callbacks.settled();
    expect(await readDeliveryCounts(s.db)).toEqual([
      { status: "delivered", errorCode: null, count: 1 },
      { status: "undelivered", errorCode: 30006, count: 1 },
    ]);
  });

  it("should answer 204 and change nothing for a MessageSid it does not know, or a status it does not track", async () => {
    const s = await start();
    const unknown = `SM${"ab".repeat(16)}`;
    expect((await callback(s, unknown, PHONE, "undelivered", { errorCode: 30003 })).status).toBe(204);
    const { twilioSid } = await linkText(s, OTHER);
    await s.twilio.standIn.callbacks.settled();
    const read = await callback(s, twilioSid ?? "", OTHER, "sent", { extra: { MessageStatus: "read" } });
    expect(read.status).toBe(204);
    expect((await textsFor(s, OTHER))[0]?.delivery).toBe("delivered");
    expect(await texterRow(s, PHONE)).toBeUndefined();
    expect(await readDeliveryCounts(s.db)).toEqual([{ status: "delivered", errorCode: null, count: 1 }]);
  });

  it("should answer 4xx, never 5xx, to malformed callbacks", async () => {
    const s = await start();
    const sid = `SM${"cd".repeat(16)}`;
    const cases: [string, Promise<Response>][] = [
      ["no MessageSid", callback(s, sid, PHONE, "sent", { extra: { MessageSid: "" } })],
      ["a malformed MessageSid", callback(s, sid, PHONE, "sent", { extra: { MessageSid: "SM123" } })],
      ["no MessageStatus", callback(s, sid, PHONE, "sent", { extra: { MessageStatus: "" } })],
      ["a malformed ErrorCode", callback(s, sid, PHONE, "failed", { extra: { ErrorCode: "30003; DROP" } })],
      ["another account", callback(s, sid, PHONE, "sent", { extra: { AccountSid: `AC${"9".repeat(32)}` } })],
      [
        "JSON",
        fetch(`${s.url}/sms/status`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        }),
      ],
      [
        "an oversized body",
        fetch(`${s.url}/sms/status`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `MessageSid=${"x".repeat(100_000)}`,
        }),
      ],
    ];
    for (const [what, response] of cases) {
      const status = (await response).status;
      expect({ what, clientError: status >= 400 && status < 500 }).toEqual({ what, clientError: true });
    }
  });
});

describe("status callbacks to the app as operators run it", () => {
  it("should ask for callbacks on its own PUBLIC_URL and accept Twilio's signed reports there", async () => {
    const x = await startX();
    const twilioFixture = startTwilio();
    const { env, publicUrl } = appEnvironment(x, twilioFixture);
    const app = await startAppProcess(env);
    try {
      twilioFixture.standIn.callbacks.failDelivery(PHONE, 30006);
      expect((await texter(twilioFixture, publicUrl)(app, PHONE, "hi")).status).toBe(200);
      const [link] = await waitFor(() => {
        const texts = twilioFixture.standIn.messagesTo(PHONE);
        return texts.length > 0 && texts;
      }, "the link text");
      expect(link?.statusCallback).toBe(`${publicUrl}/sms/status`);
      await waitFor(() => twilioFixture.standIn.callbacks.posted.length === 2, "both callbacks answered");
      expect(twilioFixture.standIn.callbacks.posted.map((c) => [c.status, c.answer])).toEqual([
        ["sent", 204],
        ["undelivered", 204],
      ]);
      await waitFor(() => app.output().includes('"sms.number_undeliverable"'), "the log line");
      expect(app.output()).toContain('"to":"•••• 0171","code":30006');
    } finally {
      app.process.kill("SIGTERM");
      await app.process.exited;
      await twilioFixture.stop();
      await x.stop();
    }
  });
});
