import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { query } from "../../src/db/sql";
import { jobCarrying } from "../support/jobs";
import { FAST_POLICY, startTestService, type TestService } from "../support/service";
import { startTwilio } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX } from "../support/x";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const HOUR = 60 * 60_000;
const PHONE = "+14155550171";
const OTHER = "+14155550172";

let svc: TestService;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await svc?.stop();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A clock the test moves forward, instead of sleeping through an hour-long window. */
function movableClock(): { now: () => number; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

const twilioSends = (s: TestService): number =>
  s.twilio.standIn.requests.filter((r) => r.method === "POST" && r.path.endsWith("/Messages.json")).length;

const outbound = (s: TestService, phone: string) =>
  query(s.db, (orm, t) =>
    orm
      .select()
      .from(t.outboundMessages)
      .where(eq(t.outboundMessages.phone, phone))
      .orderBy(t.outboundMessages.id),
  );

async function connect(s: TestService, phone: string, username: string): Promise<void> {
  await s.text(phone, "hi");
  await s.nthTextTo(phone, 1);
  await s.connect(phone, username);
  await s.nthTextTo(phone, 2);
}

/** Waits until the worker has settled every text it queued, `count` of them in all for `phone`. */
async function settled(s: TestService, phone: string, count: number): Promise<void> {
  await waitFor(async () => {
    const rows = await outbound(s, phone);
    return rows.length === count && rows.every((row) => row.status !== "pending");
  }, `${count} settled texts to ${phone}`);
}

describe("the per-number limit on texts", () => {
  it("should send a number no more texts an hour than the limit, tell it once, and drop the rest unsent", async () => {
    const clock = movableClock();
    svc = await startTestService({ clock, limits: { perNumberPerHour: 3 } });
    await connect(svc, PHONE, "erin");
    // The welcome link and the confirmation leave the window: the hour below starts empty.
    clock.advance(HOUR + 1_000);
    for (let i = 1; i <= 6; i++) await svc.text(PHONE, `post ${i}`);

    await waitFor(() => svc.x.standIn.posts().length === 6, "all six posts at X");
    await settled(svc, PHONE, 9);
    expect(svc.x.standIn.posts().map((p) => p.text)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `post ${i}`));
    const inWindow = svc.textsTo(PHONE).slice(2);
    expect(inWindow).toHaveLength(4);
    for (const text of inWindow.slice(0, 3)) expect(text).toStartWith("Posted");
    // Never silent: one notice past the cap, with when replies resume (the oldest send leaves the window).
    expect(inWindow[3]).toMatch(
      /^smstweet: reply limit for this hour reached\. Your texts are still acted on; replies resume at \d\d:\d\d UTC\.$/,
    );
    // 2 before the window + 3 in it + the notice; the other 3 never reached Twilio.
    expect(twilioSends(svc)).toBe(6);
    const dropped = (await outbound(svc, PHONE)).filter((row) => row.status === "suppressed");
    expect(dropped.map((row) => row.error)).toEqual(["limit:number", "limit:number", "limit:number"]);
    expect(dropped.every((row) => row.sentAt === null && row.secret === null)).toBe(true);
  });

  it("should keep counting after a restart, because the counts come from the database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smstweet-limits-"));
    const x = await startX();
    const twilio = startTwilio();
    cleanups.push(
      () => x.stop(),
      () => twilio.stop(),
      () => rmSync(dir, { recursive: true, force: true }),
    );
    const options = { dbPath: join(dir, "app.db"), x, twilio, limits: { perNumberPerHour: 3 } };

    svc = await startTestService(options);
    await connect(svc, PHONE, "erin");
    await svc.text(PHONE, "before the restart");
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    await svc.stop({ cleanup: false });

    svc = await startTestService(options);
    await svc.text(PHONE, "after the restart");
    await waitFor(() => x.standIn.posts().length === 2, "the second post at X");
    await settled(svc, PHONE, 5);
    expect((await outbound(svc, PHONE)).at(-2)).toMatchObject({
      status: "suppressed",
      error: "limit:number",
    });
    // The cap's one notice still goes out, counted from before the restart as well.
    expect(twilioSends(svc)).toBe(4);
    expect(svc.textsTo(PHONE).at(-1)).toStartWith("smstweet: reply limit for this hour reached.");
  });
});

describe("the global limit on texts", () => {
  it("should hold a text back until the rolling hour has room, then send it", async () => {
    const clock = movableClock();
    svc = await startTestService({
      clock,
      limits: { globalPerHour: 2 },
      policy: { ...FAST_POLICY, giveUpAfterMs: 2 * HOUR },
    });
    await svc.text(PHONE, "hi");
    await svc.nthTextTo(PHONE, 1);
    await svc.text(OTHER, "hi");
    await svc.nthTextTo(OTHER, 1);
    await svc.text(OTHER, "HELP");

    const held = await waitFor(async () => {
      const texts = await outbound(svc, OTHER);
      const last = texts.at(-1);
      const job = last && texts.length === 2 && (await jobCarrying(svc.db, "sms", "outboundId", last.id));
      return job && job.state === "pending" && job.runAt > clock.now() && { last, job };
    }, "the HELP reply to be held back");
    const [firstSend] = await outbound(svc, PHONE);
    expect(held.last.status).toBe("pending");
    // It waits for the oldest counted send to leave the window, not for a fixed backoff.
    expect(held.job.runAt).toBe((firstSend?.sentAt ?? 0) + HOUR);
    await svc.service.delivery.idle();
    expect(twilioSends(svc)).toBe(2);
    expect(svc.textsTo(OTHER)).toHaveLength(1);

    clock.advance(HOUR);
    expect(await svc.nthTextTo(OTHER, 2)).toStartWith("smstweet posts your texts to X.");
    expect(twilioSends(svc)).toBe(3);
  });

  it("should give up at once on a text the limit would hold past the give-up time", async () => {
    const clock = movableClock();
    svc = await startTestService({
      clock,
      limits: { globalPerHour: 1 },
      policy: { ...FAST_POLICY, giveUpAfterMs: 20 * 60_000 },
    });
    await svc.text(PHONE, "hi");
    await svc.nthTextTo(PHONE, 1);
    // HELP is answered before an account is connected, and its answer carries no link that could expire.
    await svc.text(OTHER, "HELP");
    // The window reopens in an hour, past the 20-minute give-up time: waiting would only end in giving up.
    await settled(svc, OTHER, 1);
    expect((await outbound(svc, OTHER))[0]).toMatchObject({
      status: "failed",
      error: "limit:global",
      secret: null,
    });
    const failed = (await outbound(svc, OTHER))[0]?.id ?? 0;
    expect((await jobCarrying(svc.db, "sms", "outboundId", failed))?.state).toBe("failed");
    expect(svc.textsTo(OTHER)).toHaveLength(0);
    expect(twilioSends(svc)).toBe(1);
  });
});

describe("the global limit on auth links", () => {
  it("should issue no link and send no text past the cap, and issue one again an hour later", async () => {
    const clock = movableClock();
    svc = await startTestService({ clock, limits: { linksPerHour: 1 } });
    await svc.text(PHONE, "hi");
    await svc.nthTextTo(PHONE, 1);
    await svc.text(OTHER, "hi");

    const limited = await waitFor(
      async () =>
        (
          await query(svc.db, (orm, t) =>
            orm
              .select()
              .from(t.inboundMessages)
              .where(and(eq(t.inboundMessages.phone, OTHER), eq(t.inboundMessages.status, "done")))
              .limit(1),
          )
        )[0],
      "OTHER's text worked",
    );
    expect(limited.outcome).toBe("link_limited");
    await svc.service.delivery.idle();
    expect(await outbound(svc, OTHER)).toHaveLength(0);
    expect(
      await query(svc.db, (orm, t) => orm.select().from(t.authLinks).where(eq(t.authLinks.phone, OTHER))),
    ).toHaveLength(0);
    expect(twilioSends(svc)).toBe(1);

    clock.advance(HOUR + 1_000);
    await svc.text(OTHER, "hi again");
    expect(await svc.nthTextTo(OTHER, 1)).toContain("/auth/");
  });
});
