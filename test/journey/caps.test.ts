import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { LINK_COOLDOWN_MS } from "../../src/auth/links";
import { query } from "../../src/db/sql";
import { timeFor } from "../../src/sms/local-time";
import { livePosts, startConnected, startTestService, type TestService } from "../support/service";
import { TWILIO_NUMBER } from "../support/twilio";

// Floods of numbers through the whole service; a 2-core CI machine needs headroom.
setDefaultTimeout(60_000);

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const NEWCOMER = "+14155550199";

let svc: TestService;
afterEach(async () => {
  await svc?.stop();
});

/** A clock the test moves forward, instead of sleeping through the windows. */
function movableClock(): { now: () => number; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

/** `count` American numbers (their texts give times in UTC), starting at `first`. */
const numbers = (first: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `+1415555${String(first + i).padStart(4, "0")}`);

/** The texts the service itself sent to `phone` (not Twilio's automatic keyword answers). */
const ours = (s: TestService, phone: string): string[] =>
  s.twilio.standIn
    .messagesTo(phone)
    .filter((m) => !m.automatic)
    .map((m) => m.body);

const twilioSends = (s: TestService): number =>
  s.twilio.standIn.requests.filter((r) => r.method === "POST" && r.path.endsWith("/Messages.json")).length;

const outcomes = async (s: TestService, phone: string): Promise<(string | null)[]> =>
  (
    await query(s.db, (orm, t) =>
      orm
        .select({ outcome: t.inboundMessages.outcome })
        .from(t.inboundMessages)
        .where(eq(t.inboundMessages.phone, phone))
        .orderBy(t.inboundMessages.id),
    )
  ).map((row) => row.outcome);

const linksOf = (s: TestService, phone: string) =>
  query(s.db, (orm, t) =>
    orm.select().from(t.authLinks).where(eq(t.authLinks.phone, phone)).orderBy(t.authLinks.id),
  );

/** Texts `body` from every number, then lets the service work everything that is due. */
async function round(s: TestService, phones: readonly string[], body: string): Promise<void> {
  for (const phone of phones) expect((await s.text(phone, body)).status).toBe(200);
  await s.service.delivery.idle();
}

describe("the link flood", () => {
  it("should give each number at most its daily links, tell it once, and leave the hour's links for a new texter", async () => {
    const clock = movableClock();
    // Five numbers texting every three minutes took all 20 of these links in four rounds.
    svc = await startTestService({ clock, limits: { linksPerHour: 20 } });
    const flood = numbers(181, 5);
    for (let i = 1; i <= 8; i++) {
      await round(svc, flood, `hi ${i}`);
      clock.advance(LINK_COOLDOWN_MS + 1_000);
    }

    for (const phone of flood) {
      const links = await linksOf(svc, phone);
      expect(links).toHaveLength(3);
      const texts = ours(svc, phone);
      expect(texts).toHaveLength(4);
      for (const text of texts.slice(0, 3)) expect(text).toContain("/auth/");
      // Told once, in the fourth round, while the last link still worked; rounds five to eight got nothing.
      const [first, , last] = links;
      expect(texts[3]).toBe(
        `Not posted: no new link to connect X until ${timeFor(phone, (first?.createdAt ?? 0) + DAY)} (3 a day); ` +
          `texts before then get no answer. Your last link works until ${timeFor(phone, last?.expiresAt ?? 0)}.`,
      );
      expect((await outcomes(svc, phone)).slice(3)).toEqual(Array(5).fill("link_limited:number"));
    }

    await round(svc, [NEWCOMER], "hello, is this smstweet?");
    expect(ours(svc, NEWCOMER)).toEqual([expect.stringContaining("/auth/")]);
  });

  it("should give a number a new link once its oldest one of the day has left the window", async () => {
    const clock = movableClock();
    svc = await startTestService({ clock, limits: { linksPerNumberPerDay: 2 } });
    const [phone = ""] = numbers(186, 1);
    for (let i = 1; i <= 3; i++) {
      await round(svc, [phone], `hi ${i}`);
      clock.advance(LINK_COOLDOWN_MS + 1_000);
    }
    expect(ours(svc, phone)).toHaveLength(3);
    expect(ours(svc, phone)[2]).toStartWith("Not posted: no new link to connect X until ");

    clock.advance(DAY - 2 * (LINK_COOLDOWN_MS + 1_000));
    await round(svc, [phone], "hi again");
    expect(ours(svc, phone)).toHaveLength(4);
    expect(ours(svc, phone)[3]).toContain("/auth/");
    expect(await linksOf(svc, phone)).toHaveLength(3);
  });

  it("should keep a quarter of the hour's links for numbers that never had one", async () => {
    const clock = movableClock();
    // Of 8 links an hour, numbers asking again may take 6: the last 2 wait for newcomers.
    svc = await startTestService({ clock, limits: { linksPerHour: 8 } });
    const askers = numbers(191, 4);
    await round(svc, askers, "hi");
    clock.advance(LINK_COOLDOWN_MS + 1_000);
    await round(svc, askers, "hi again");

    const linked = await Promise.all(askers.map(async (phone) => (await linksOf(svc, phone)).length));
    expect(linked.reduce((a, b) => a + b)).toBe(6);
    // The two that found the repeat share used up got nothing at all: each answer would be a text too.
    expect(askers.map((phone) => ours(svc, phone).length).sort()).toEqual([1, 1, 2, 2]);

    await round(svc, [NEWCOMER], "hi");
    expect(ours(svc, NEWCOMER)).toEqual([expect.stringContaining("/auth/")]);
  });
});

describe("the HELP flood", () => {
  it("should answer HELP a few times an hour per number, so 34 numbers cannot fill the hour's texts", async () => {
    // 34 numbers, each answered up to its hourly cap of 6 texts, took all 200 of these texts.
    svc = await startTestService({ limits: { globalPerHour: 200, perNumberPerHour: 6 } });
    const flood = numbers(200, 34);
    for (let i = 0; i < 6; i++) await round(svc, flood, i % 2 === 0 ? "HELP" : "help?");

    for (const phone of flood) {
      expect(ours(svc, phone)).toEqual(
        Array(3).fill(expect.stringMatching(/^smstweet posts your texts to X\./)),
      );
      expect(await outcomes(svc, phone)).toEqual([
        ...Array(3).fill("help"),
        ...Array(3).fill("help_limited"),
      ]);
    }
    expect(twilioSends(svc)).toBe(34 * 3);

    await round(svc, [NEWCOMER], "hi");
    expect(ours(svc, NEWCOMER)).toEqual([expect.stringContaining("/auth/")]);
  });

  it("should answer HELP again once the hour has room, while Twilio answers the bare word every time", async () => {
    const clock = movableClock();
    svc = await startTestService({ clock });
    const [phone = ""] = numbers(240, 1);
    const help = async (body: string): Promise<void> => {
      // What Twilio does with a keyword before calling the webhook: the bare word gets its own answer.
      svc.twilio.standIn.receive(phone, TWILIO_NUMBER, body);
      await round(svc, [phone], body);
    };
    for (const body of ["HELP", "INFO", "help?", "HELP", "Info!"]) await help(body);

    expect(ours(svc, phone)).toHaveLength(3);
    const automatic = svc.twilio.standIn.messagesTo(phone).filter((m) => m.automatic);
    expect(automatic).toHaveLength(3);
    expect((await outcomes(svc, phone)).slice(3)).toEqual(["help_limited", "help_limited"]);

    clock.advance(HOUR + 1_000);
    await help("help?");
    expect(ours(svc, phone)).toHaveLength(4);
    expect(ours(svc, phone)[3]).toStartWith("smstweet posts your texts to X.");
  });
});

describe("the texts kept for links", () => {
  it("should send a new texter's link at once while other replies have used up the rest of the hour's texts", async () => {
    // Of 20 texts an hour, 2 are kept for links: STATUS answers (not capped per number) stop at 18.
    svc = await startTestService({ limits: { globalPerHour: 20 } });
    const [flooder = ""] = numbers(250, 1);
    for (let i = 0; i < 20; i++) await round(svc, [flooder], "STATUS");
    expect(ours(svc, flooder)).toHaveLength(18);

    await round(svc, [NEWCOMER], "hi");
    expect(ours(svc, NEWCOMER)).toEqual([expect.stringContaining("/auth/")]);
    expect(twilioSends(svc)).toBe(19);
  });
});

describe("the daily cap on posts", () => {
  const PHONE = "+14155550171";

  it("should post no more than the cap, tell the texter once, and post again when the day has room", async () => {
    const clock = movableClock();
    svc = await startConnected(PHONE, "erin", { clock, limits: { postsPerNumberPerDay: 3 } });
    for (let i = 1; i <= 6; i++) await svc.text(PHONE, `post ${i}`);
    await svc.service.delivery.idle();

    expect(livePosts(svc).map((p) => p.text)).toEqual(["post 1", "post 2", "post 3"]);
    const texts = svc.textsTo(PHONE).slice(2);
    expect(texts.slice(0, 3)).toEqual(Array(3).fill(expect.stringMatching(/^Posted "post \d"/)));
    const [first] = await query(svc.db, (orm, t) =>
      orm.select().from(t.posts).where(eq(t.posts.phone, PHONE)).orderBy(t.posts.id),
    );
    expect(texts.slice(3)).toEqual([
      `Not posted: you have reached today's limit of 3 posts. Posting resumes at ${timeFor(PHONE, (first?.createdAt ?? 0) + DAY)}; texts before then are not posted.`,
    ]);
    expect((await outcomes(svc, PHONE)).slice(-3)).toEqual(["post_limited", "post_limited", "post_limited"]);

    clock.advance(DAY);
    await svc.text(PHONE, "post 7");
    expect(await svc.nthTextTo(PHONE, 7)).toStartWith('Posted "post 7"');
    expect(livePosts(svc)).toHaveLength(4);
  });

  it("should count every part of a thread, and post a thread only when all its parts fit in the day", async () => {
    const clock = movableClock();
    svc = await startConnected(PHONE, "erin", { clock, limits: { postsPerNumberPerDay: 3 } });
    const say = async (...bodies: string[]): Promise<string | undefined> => {
      for (const body of bodies) await svc.text(PHONE, body);
      await svc.service.delivery.idle();
      return svc.textsTo(PHONE).at(-1);
    };
    expect(await say("solo")).toStartWith('Posted "solo"');
    const [solo] = await query(svc.db, (orm, t) =>
      orm.select().from(t.posts).where(eq(t.posts.phone, PHONE)),
    );

    expect(await say("THREAD", "part a", "part b", "part c", "DONE")).toBe(
      `Thread not posted: its 3 parts are more than the 2 left of today's 3 posts. There is room for all from ${timeFor(PHONE, (solo?.createdAt ?? 0) + DAY)}; send them again then.`,
    );
    expect(livePosts(svc).map((p) => p.text)).toEqual(["solo"]);

    expect(await say("THREAD", "part a", "part b", "DONE")).toStartWith("Thread posted (2 parts)");
    expect(livePosts(svc).map((p) => p.text)).toEqual(["solo", "part a", "part b"]);
    const before = svc.textsTo(PHONE).length;
    expect(await say("one more", "and another")).toStartWith(
      "Not posted: you have reached today's limit of 3 posts.",
    );
    expect(svc.textsTo(PHONE)).toHaveLength(before + 1);
    expect(livePosts(svc)).toHaveLength(3);
  });
});
