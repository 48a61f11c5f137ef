import { afterAll, describe, expect, it } from "bun:test";
import { closeDatabase, type Database, openDatabase } from "../../src/db/client";
import { InboxWriter } from "../../src/db/inbound";
import { lockCap } from "../../src/db/locks";
import { claimSend, enqueueText, getText, type SendLimits } from "../../src/db/outbound";
import { all, get, query, run } from "../../src/db/sql";
import { isStorageFailure, transact } from "../../src/db/transaction";
import { breakWrites } from "../support/faults";
import { type FreshDatabase, freshDatabase, hasPostgres } from "../support/postgres";

/**
 * The data layer's promises on PostgreSQL, through the same `src/db/` functions the app calls: what SQLite
 * gave for free (one writer, one connection) must hold on a pool shared by replicas.
 */
describe.skipIf(!hasPostgres)("the data layer, on PostgreSQL", () => {
  const opened: Database[] = [];
  const databases: FreshDatabase[] = [];
  const open = async (
    poolSize = 4,
    fresh?: FreshDatabase,
  ): Promise<{ db: Database; fresh: FreshDatabase }> => {
    const target = fresh ?? (await freshDatabase());
    if (!fresh) databases.push(target);
    const db = await openDatabase({ dialect: "postgres", url: target.url, poolSize });
    opened.push(db);
    return { db, fresh: target };
  };
  afterAll(async () => {
    for (const db of opened) await closeDatabase(db);
    for (const fresh of databases) await fresh.drop();
  });

  it("should run SQLite's statement texts as they are: numbered placeholders, int8 as numbers, changed rows counted, on PostgreSQL", async () => {
    const { db } = await open();
    const late = 2 ** 41 + 7;
    expect(await run(db, "INSERT INTO health_probe (id, checked_at) VALUES (?1, ?2)", 7, late)).toEqual({
      changes: 1,
    });
    const row = await get<{ checkedAt: number; n: number; same: boolean }>(
      db,
      `SELECT checked_at AS "checkedAt", (SELECT COUNT(*) FROM health_probe WHERE id = 7) AS n, ?1 = ?1 AS same FROM health_probe WHERE id = ?2`,
      late,
      7,
    );
    expect(row).toEqual({ checkedAt: late, n: 1, same: true });
    expect(await run(db, "UPDATE health_probe SET checked_at = ?1 WHERE id > ?2", 5, 6)).toEqual({
      changes: 1,
    });
    expect(await get(db, "SELECT 1 AS one WHERE 1 = 0")).toBeNull();
    const [texter] = await query(db, (orm, t) =>
      orm.insert(t.texters).values({ phone: "+1", createdAt: late }).returning(),
    );
    expect(texter).toMatchObject({ phone: "+1", createdAt: late, optedOut: false });
  });

  it("should roll back a nested transaction (a savepoint) alone, and keep the rest of the outer one, on PostgreSQL", async () => {
    const { db } = await open();
    await transact(db, async (tx) => {
      await run(
        tx,
        "INSERT INTO heartbeats (id, pid, host, started_at, refreshed_at) VALUES ('outer', 1, 'h', 1, 1)",
      );
      await expect(
        transact(tx, async (inner) => {
          await run(
            inner,
            "INSERT INTO heartbeats (id, pid, host, started_at, refreshed_at) VALUES ('inner', 1, 'h', 1, 1)",
          );
          await run(
            inner,
            "INSERT INTO heartbeats (id, pid, host, started_at, refreshed_at) VALUES ('outer', 1, 'h', 1, 1)",
          );
        }),
      ).rejects.toThrow();
      await run(
        tx,
        "INSERT INTO heartbeats (id, pid, host, started_at, refreshed_at) VALUES ('after', 1, 'h', 1, 1)",
      );
    });
    const ids = await all<{ id: string }>(db, "SELECT id FROM heartbeats ORDER BY id");
    expect(ids.map((row) => row.id)).toEqual(["after", "outer"]);
  });

  it("should let the root handle used inside a transaction's work join it, even with a pool of one connection, on PostgreSQL", async () => {
    const { db } = await open(1);
    const seen = await transact(db, async (tx) => {
      await run(tx, "INSERT INTO health_probe (id, checked_at) VALUES (7, 1)");
      // A second pool connection would never come: the transaction holds the only one.
      return get<{ n: number }>(db, "SELECT COUNT(*) AS n FROM health_probe WHERE id = 7");
    });
    expect(seen).toEqual({ n: 1 });
  });

  it("should commit relaxed transactions without waiting for the WAL flush and durable ones waiting, on PostgreSQL", async () => {
    const { db } = await open();
    const setting = (durability: "durable" | "relaxed") =>
      transact(
        db,
        async (tx) => (await get<{ s: string }>(tx, "SELECT current_setting('synchronous_commit') AS s"))?.s,
        durability,
      );
    expect(await setting("relaxed")).toBe("off");
    expect(await setting("durable")).toBe("on");
  });

  it("should call a lost connection a storage failure and a constraint violation the statement's fault, on PostgreSQL", async () => {
    const { db } = await open();
    await run(db, "INSERT INTO health_probe (id, checked_at) VALUES (7, 1)");
    const duplicate = await transact(db, (tx) =>
      run(tx, "INSERT INTO health_probe (id, checked_at) VALUES (7, 1)"),
    ).catch((error: unknown) => error);
    expect(isStorageFailure(db, duplicate)).toBe(false);
    const lost = await transact(db, (tx) => run(tx, "SELECT pg_terminate_backend(pg_backend_pid())")).catch(
      (error: unknown) => error,
    );
    expect(lost).toBeInstanceOf(Error);
    expect(isStorageFailure(db, lost)).toBe(true);
    // The pool opens a new connection for the next call.
    expect(await get(db, "SELECT 1 AS one")).toEqual({ one: 1 });
  });

  it("should run a transaction again when it loses a deadlock to another replica's, so both commit, on PostgreSQL", async () => {
    const { db: one, fresh } = await open();
    const { db: two } = await open(4, fresh);
    await run(one, "INSERT INTO health_probe (id, checked_at) VALUES (7, 0), (8, 0)");
    let bothLocked!: () => void;
    const locked = new Promise<void>((resolve) => {
      let count = 0;
      bothLocked = () => {
        if (++count === 2) resolve();
      };
    });
    let attempts = 0;
    const crosswise = (db: Database, first: number, second: number) =>
      transact(db, async (tx) => {
        attempts++;
        await run(tx, "UPDATE health_probe SET checked_at = checked_at + 1 WHERE id = ?1", first);
        bothLocked();
        await locked;
        await run(tx, "UPDATE health_probe SET checked_at = checked_at + 1 WHERE id = ?1", second);
      });
    await Promise.all([crosswise(one, 7, 8), crosswise(two, 8, 7)]);
    expect(attempts).toBe(3);
    expect(
      await all(one, `SELECT id, checked_at AS "checkedAt" FROM health_probe WHERE id >= 7 ORDER BY id`),
    ).toEqual([
      { id: 7, checkedAt: 2 },
      { id: 8, checkedAt: 2 },
    ]);
  });

  it("should let only one of two replicas take the hour's last text slot, on PostgreSQL", async () => {
    const { db: one, fresh } = await open();
    const { db: two } = await open(4, fresh);
    const now = Date.now();
    const numbers = Array.from({ length: 8 }, (_, i) => `+1415555010${i}`);
    await transact(one, async (tx) => {
      for (const phone of numbers) await enqueueText(tx, { phone, body: "a" }, now);
    });
    const texts = await Promise.all(numbers.map((_, i) => getText(one, i + 1)));
    const limits: SendLimits = {
      perNumberPerHour: 10,
      globalPerHour: 1,
      besideLinksPerHour: 1,
      windowMs: 3_600_000,
    };
    const claims = await Promise.all(
      texts.map((text, i) => {
        if (!text) throw new Error("text not stored");
        return claimSend(i % 2 === 0 ? one : two, text, now, limits);
      }),
    );
    expect(claims.filter((claim) => claim.kind === "claimed")).toHaveLength(1);
  });

  it("should store a MessageSid delivered to two replicas at once one time, with one job, and answer the other as a repeat, on PostgreSQL", async () => {
    const { db: one, fresh } = await open();
    const { db: two } = await open(4, fresh);
    const stores = [one, two].map(
      (db) =>
        new InboxWriter(
          db,
          () => Date.now(),
          () => {},
        ),
    );
    const message = (sid: string, phone: string) => ({ sid, phone, body: `text ${sid}`, media: [] });
    // Each replica's batch also carries a text of its own, for another number, in the other order.
    const [a, b] = await Promise.all([
      Promise.all([
        stores[0]?.store(message("SMdup", "+14155550111")),
        stores[0]?.store(message("SMa", "+14155550199")),
      ]),
      Promise.all([
        stores[1]?.store(message("SMb", "+14155550100")),
        stores[1]?.store(message("SMdup", "+14155550111")),
      ]),
    ]);
    expect([a[0], b[1]].sort()).toEqual([false, true]);
    expect([a[1], b[0]]).toEqual([true, true]);
    const rows = await all<{ phone: string; n: number }>(
      one,
      "SELECT phone, COUNT(*) AS n FROM inbound_messages GROUP BY phone ORDER BY phone",
    );
    expect(rows).toEqual([
      { phone: "+14155550100", n: 1 },
      { phone: "+14155550111", n: 1 },
      { phone: "+14155550199", n: 1 },
    ]);
    expect(await get(one, "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'inbound'")).toEqual({ n: 3 });
  });

  it("should see the storage failure behind Drizzle's own error around a builder's query, on PostgreSQL", async () => {
    const { db } = await open();
    const repair = await breakWrites(db, "heartbeats", "INSERT", "disk full");
    const full = await query(db, (orm, t) =>
      orm.insert(t.heartbeats).values({ id: "x", pid: 1, host: "h", startedAt: 1, refreshedAt: 1 }),
    ).catch((error: unknown) => error);
    await repair();
    expect(full).toBeInstanceOf(Error);
    expect(isStorageFailure(db, full)).toBe(true);
    const duplicate = await query(db, (orm, t) =>
      orm.insert(t.healthProbe).values({ id: 1, checkedAt: 1 }),
    ).catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(Error);
    expect(isStorageFailure(db, duplicate)).toBe(false);
  });

  it("should claim a text without waiting for the cap's lock while the hour is far from its cap, on PostgreSQL", async () => {
    const { db: one, fresh } = await open();
    const { db: two } = await open(4, fresh);
    const now = Date.now();
    await transact(one, (tx) => enqueueText(tx, { phone: "+14155550101", body: "a" }, now));
    const text = await getText(one, 1);
    if (!text) throw new Error("text not stored");
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const taken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Another replica near its own count holds the lock on the hour's sends for a while.
    const holder = transact(one, async (tx) => {
      await lockCap(tx, "sends");
      locked();
      await held;
    });
    await taken;
    const limits: SendLimits = {
      perNumberPerHour: 10,
      globalPerHour: 100_000,
      besideLinksPerHour: 100_000,
      windowMs: 3_600_000,
    };
    expect(await claimSend(two, text, now, limits)).toEqual({ kind: "claimed" });
    release();
    await holder;
  });
});
