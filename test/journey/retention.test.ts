import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { eq } from "drizzle-orm";
import { messageSidHash } from "../../src/db/inbound";
import { query } from "../../src/db/sql";
import { getTexter } from "../../src/db/texters";
import { onSqlite } from "../support/database";
import { livePosts, startConnected, type TestService } from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the whole service and stand-ins; a 2-core CI machine needs headroom over 5 s.
setDefaultTimeout(20_000);

const PHONE = "+14155550161";
const DAY_MS = 24 * 60 * 60_000;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  ),
);

let svc: TestService | undefined;
let keptDir: string | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  if (keptDir) rmSync(keptDir, { recursive: true, force: true });
  keptDir = undefined;
});

/** A marker no other text contains, to look for in the raw database file. */
const marker = (): string => `zq${crypto.randomUUID().replaceAll("-", "")}`;

const inbound = (s: TestService) =>
  query(s.db, (orm, t) => orm.select().from(t.inboundMessages).orderBy(t.inboundMessages.id));
const outbound = (s: TestService) =>
  query(s.db, (orm, t) => orm.select().from(t.outboundMessages).orderBy(t.outboundMessages.id));

/** Waits until every job has finished (bodies are erased in the commit that finishes their job). */
async function allFinished(s: TestService): Promise<void> {
  await waitFor(
    async () =>
      (await query(s.db, (orm, t) => orm.select().from(t.jobs))).every(
        (job) => job.state === "done" || job.state === "failed",
      ),
    "every job finished",
  );
  await s.service.delivery.idle();
}

/** The database's files as they lie on disk, the WAL and shared memory included. */
function databaseBytes(dbPath: string): string {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString("latin1"))
    .join("\n");
}

describe("bodies are erased once their work is finished", () => {
  // PostgreSQL overwrites erased values too, but keeps the old row versions until (auto)vacuum reuses them.
  it.skipIf(!onSqlite)(
    "should leave a posted text nowhere in the database files once the service has stopped, on SQLite",
    async () => {
      svc = await startConnected(PHONE, "rita");
      const secret = marker();
      // Long, so that the rows rewritten later in the freed space leave the marker's bytes there if not zeroed.
      const text = `${secret} ${"posted by text, ".repeat(12)}`.trim();
      await svc.text(PHONE, text);
      expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
      expect(livePosts(svc).map((post) => post.text)).toEqual([text]);
      await allFinished(svc);
      expect((await inbound(svc)).map((m) => m.body)).toEqual(["", ""]);
      expect((await outbound(svc)).every((text) => text.body === "" && text.status === "sent")).toBe(true);
      expect(
        (await query(svc.db, (orm, t) => orm.select().from(t.jobs))).every(
          (job) => !job.payload.includes(secret),
        ),
      ).toBe(true);
      const { dbPath } = svc;
      expect(databaseBytes(dbPath).length).toBeGreaterThan(0);
      keptDir = dirname(dbPath);
      await svc.stop({ cleanup: false });
      svc = undefined;
      const bytes = databaseBytes(dbPath);
      expect(bytes.includes("inbound_messages")).toBe(true);
      // Not `toContain`: a failure would print the whole file.
      const at = bytes.indexOf(secret);
      expect(at === -1 ? "nowhere" : JSON.stringify(bytes.slice(Math.max(0, at - 200), at + 60))).toBe(
        "nowhere",
      );
    },
  );

  it("should erase a reply once sent, a command's text once read, and a picture message once posted", async () => {
    svc = await startConnected(PHONE, "rita");
    await svc.text(PHONE, "HELP");
    expect(await svc.nthTextTo(PHONE, 3)).toContain("THREAD");
    await svc.mms(PHONE, "a picture", [{ bytes: PNG, contentType: "image/png" }]);
    expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Posted");
    await allFinished(svc);
    const texts = await inbound(svc);
    expect(texts.map((m) => [m.body, m.media, m.outcome])).toEqual([
      ["", [], "link_sent"],
      ["", [], "help"],
      ["", [], "posted"],
    ]);
    const replies = await outbound(svc);
    expect(replies).toHaveLength(4);
    for (const reply of replies) expect([reply.body, reply.secret, reply.status]).toEqual(["", null, "sent"]);
    // What is kept: the post's id, for UNDO, and the record of each text without its words.
    expect(await query(svc.db, (orm, t) => orm.select().from(t.posts))).toHaveLength(1);
    expect(texts.at(-1)?.postId).toBe(livePosts(svc)[0]?.id ?? "missing");
  });

  it("should drop a thread's parts once it is posted or discarded, and erase the thread's confirmation", async () => {
    svc = await startConnected(PHONE, "rita");
    const ask = async (text: string, n: number): Promise<string> => {
      await svc?.text(PHONE, text);
      return (await svc?.nthTextTo(PHONE, n)) ?? "";
    };
    await ask("THREAD", 3);
    await ask("kept part", 4);
    expect((await query(svc.db, (orm, t) => orm.select().from(t.threadParts))).map((p) => p.body)).toEqual([
      "kept part",
    ]);
    expect(await ask("DISCARD", 5)).toContain("1 part");
    expect(await query(svc.db, (orm, t) => orm.select().from(t.threadParts))).toEqual([]);
    await ask("THREAD", 6);
    await ask("part one", 7);
    await ask("part two", 8);
    expect(await ask("DONE", 9)).toContain("https://x.com/rita/status/");
    await allFinished(svc);
    expect(livePosts(svc).map((post) => post.text)).toEqual(["part one", "part two"]);
    expect(await query(svc.db, (orm, t) => orm.select().from(t.threadParts))).toEqual([]);
    expect((await inbound(svc)).every((m) => m.body === "" && m.media.length === 0)).toBe(true);
    expect((await outbound(svc)).every((text) => text.body === "")).toBe(true);
  });

  it("should erase a waiting post's text and a waiting thread's parts when LOGOUT cancels them", async () => {
    svc = await startConnected(PHONE, "rita");
    svc.x.standIn.failNext("tweets", { status: 503 }, 1_000);
    await svc.text(PHONE, "THREAD");
    await svc.nthTextTo(PHONE, 3);
    await svc.text(PHONE, "a waiting part");
    await svc.nthTextTo(PHONE, 4);
    await svc.text(PHONE, "DONE");
    await svc.text(PHONE, "a waiting post");
    await waitFor(
      async () => (await inbound(svc as TestService)).at(-1)?.outcome === "post_queued",
      "the post queued behind the thread",
    );
    await svc.text(PHONE, "LOGOUT");
    expect(await svc.nthTextTo(PHONE, 5)).toContain("@rita");
    await allFinished(svc);
    expect(livePosts(svc)).toEqual([]);
    expect(await query(svc.db, (orm, t) => orm.select().from(t.threadParts))).toEqual([]);
    expect((await inbound(svc)).every((m) => m.body === "" && m.media.length === 0)).toBe(true);
    const all = await query(svc.db, (orm, t) => orm.select().from(t.jobs));
    expect(all.every((job) => !job.payload.includes("waiting"))).toBe(true);
    expect((await outbound(svc)).every((text) => text.body === "")).toBe(true);
  });
});

describe("MessageSids", () => {
  it("should keep only a hash of each MessageSid, and ignore a re-delivery after DELETE + CONFIRM", async () => {
    svc = await startConnected(PHONE, "rita");
    const sid = `SM${"7".repeat(32)}`;
    await svc.text(PHONE, "posted before the deletion", sid);
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    await svc.text(PHONE, "DELETE");
    await svc.nthTextTo(PHONE, 4);
    await svc.text(PHONE, "CONFIRM");
    await svc.nthTextTo(PHONE, 5);
    await allFinished(svc);
    expect(await query(svc.db, (orm, t) => orm.select().from(t.texters))).toEqual([]);
    expect(
      await query(svc.db, (orm, t) =>
        orm.select().from(t.inboundMessages).where(eq(t.inboundMessages.phone, PHONE)),
      ),
    ).toEqual([]);
    const hashes = await query(svc.db, (orm, t) => orm.select().from(t.messageSids));
    expect(hashes.map((row) => row.sidHash)).toContain(messageSidHash(sid));
    expect(JSON.stringify(hashes)).not.toContain(sid);

    const again = await svc.text(PHONE, "posted before the deletion", sid);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(EMPTY_TWIML);
    await Bun.sleep(300);
    await allFinished(svc);
    expect(svc.textsTo(PHONE)).toHaveLength(5);
    expect(livePosts(svc)).toHaveLength(1);
    expect(await query(svc.db, (orm, t) => orm.select().from(t.inboundMessages))).toEqual([]);
    expect(await query(svc.db, (orm, t) => orm.select().from(t.texters))).toEqual([]);
  });
});

describe("RETENTION_DAYS", () => {
  it("should prune finished rows once they are older than the retention, and keep the account", async () => {
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    svc = await startConnected(PHONE, "rita", { clock, retentionDays: 2 });
    await svc.text(PHONE, "kept for two days");
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    await allFinished(svc);
    const landing = await (await fetch(`${svc.url}/`)).text();
    expect(landing).toContain("deleted after 2 days");

    const rows = async (s: TestService) => ({
      inbound: (await query(s.db, (orm, t) => orm.select().from(t.inboundMessages))).length,
      outbound: (await query(s.db, (orm, t) => orm.select().from(t.outboundMessages))).length,
      sids: (await query(s.db, (orm, t) => orm.select().from(t.messageSids))).length,
      posts: (await query(s.db, (orm, t) => orm.select().from(t.posts))).length,
      links: (await query(s.db, (orm, t) => orm.select().from(t.authLinks))).length,
      finishedJobs: (await query(s.db, (orm, t) => orm.select().from(t.jobs))).filter(
        (job) => job.kind !== "housekeeping" && job.finishedAt !== null,
      ).length,
    });
    const before = await rows(svc);
    expect(before).toEqual({ inbound: 2, outbound: 3, sids: 2, posts: 1, links: 1, finishedJobs: 6 });

    offset = DAY_MS + 60_000;
    await Bun.sleep(300);
    expect(await rows(svc)).toEqual(before);

    offset = 2 * DAY_MS + 60_000;
    await waitFor(async () => (await rows(svc as TestService)).inbound === 0, "finished texts pruned");
    await waitFor(async () => (await rows(svc as TestService)).finishedJobs === 0, "finished jobs pruned");
    expect(await rows(svc)).toEqual({
      inbound: 0,
      outbound: 0,
      sids: 0,
      posts: 0,
      links: 0,
      finishedJobs: 0,
    });
    const texter = await getTexter(svc.db, PHONE);
    expect(texter?.xHandle).toBe("rita");

    // The account still works after pruning: a new text is posted and confirmed.
    await svc.text(PHONE, "after the prune");
    expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Posted");
  });
});
