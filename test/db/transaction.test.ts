import { afterEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeDatabase, type Database, openDatabase } from "../../src/db/client";
import { all, get, run } from "../../src/db/sql";
import { transact, type Writer } from "../../src/db/transaction";
import { sqliteOf } from "../support/sqlite";
import { waitFor } from "../support/wait";

const dirs: string[] = [];
const opened: Database[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await closeDatabase(db);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function scratch(): Promise<{ db: Database; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-tx-"));
  dirs.push(dir);
  const path = join(dir, "tx.db");
  const db = await openDatabase(path);
  opened.push(db);
  await run(db, "CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT NOT NULL)");
  return { db, path };
}

const record = (w: Writer, what: string): Promise<{ changes: number }> =>
  run(w, "INSERT INTO events (what) VALUES (?1)", what);

const events = async (db: Database): Promise<string[]> =>
  (await all<{ what: string }>(db, "SELECT what FROM events ORDER BY id")).map((row) => row.what);

/** A promise the test resolves by hand: holds a transaction open while the test acts beside it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe("transactions on one SQLite connection (the turn)", () => {
  it("should run two concurrent transactions one after the other, though each awaits between its statements", async () => {
    const { db } = await scratch();
    const steps = async (tx: Writer, name: string): Promise<void> => {
      for (let i = 1; i <= 3; i++) {
        await record(tx, `${name}${i}`);
        // A read between the writes: the other transaction would run here if the turn let it.
        await get(tx, "SELECT count(*) AS n FROM events");
      }
    };
    await Promise.all([
      transact(db, (tx) => steps(tx, "a")),
      transact(db, (tx) => steps(tx, "b")),
      transact(db, (tx) => steps(tx, "c")),
    ]);
    expect(await events(db)).toEqual(["a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2", "c3"]);
  });

  it("should keep a failing transaction's rollback to its own rows, not a concurrent one's", async () => {
    const { db } = await scratch();
    const failing = transact(db, async (tx) => {
      await record(tx, "doomed1");
      await get(tx, "SELECT 1");
      await record(tx, "doomed2");
      throw new Error("the work failed");
    });
    const fine = transact(db, async (tx) => {
      await record(tx, "kept");
    });
    await expect(failing).rejects.toThrow("the work failed");
    await fine;
    expect(await events(db)).toEqual(["kept"]);
  });

  it("should not roll back a write made through the root handle while a transaction was open", async () => {
    const { db } = await scratch();
    const hold = gate();
    let inside = (): void => {};
    const began = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const doomed = transact(db, async (tx) => {
      await record(tx, "doomed");
      inside();
      await hold.opened;
      throw new Error("rolled back");
    });
    await began;
    // Issued while the transaction is open, from outside it: it waits for its turn instead of joining it.
    let rootDone = false;
    const rootWrite = record(db, "outside").then(() => {
      rootDone = true;
    });
    // Nor does a read from outside see the open transaction's row.
    const seen = events(db);
    await Bun.sleep(0);
    expect(rootDone).toBe(false);
    hold.open();
    await expect(doomed).rejects.toThrow("rolled back");
    await rootWrite;
    expect(await seen).toEqual(["outside"]);
    expect(await events(db)).toEqual(["outside"]);
  });

  it("should roll back a nested transaction (a savepoint) alone, and keep the rest of the outer one", async () => {
    const { db } = await scratch();
    await transact(db, async (tx) => {
      await record(tx, "before");
      await expect(
        transact(tx, async (inner) => {
          await record(inner, "nested");
          throw new Error("only the savepoint goes");
        }),
      ).rejects.toThrow("only the savepoint goes");
      await transact(tx, async (inner) => {
        await record(inner, "second nested");
      });
      await record(tx, "after");
    });
    expect(await events(db)).toEqual(["before", "second nested", "after"]);
  });

  it("should let the root handle used inside a transaction's work join it rather than wait for itself", async () => {
    const { db } = await scratch();
    await expect(
      transact(db, async () => {
        await record(db, "through the root handle");
        expect(await events(db)).toEqual(["through the root handle"]);
        throw new Error("undo it all");
      }),
    ).rejects.toThrow("undo it all");
    expect(await events(db)).toEqual([]);
  });

  it("should refuse a transaction handle kept past its commit", async () => {
    const { db } = await scratch();
    const kept = await transact(db, async (tx) => tx);
    await expect(record(kept, "too late")).rejects.toThrow("after its transaction ended");
    expect(await events(db)).toEqual([]);
  });
});

describe("transactions while another connection holds the write lock", () => {
  it("should wait for the lock without blocking the event loop, then commit", async () => {
    const { db, path } = await scratch();
    const other = await openDatabase(path);
    opened.push(other);
    sqliteOf(other).run("BEGIN IMMEDIATE");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const waiting = transact(db, async (tx) => {
      await record(tx, "after the other");
    });
    // The loop keeps turning while the transaction waits (a busy handler sleeping would stop it).
    await waitFor(() => ticks > 10, "timers to fire while the transaction waits for the lock");
    expect(await events(other)).toEqual([]);
    sqliteOf(other).run("COMMIT");
    await waiting;
    clearInterval(timer);
    expect(await events(db)).toEqual(["after the other"]);
  });

  it("should answer reads on the connection while one of its transactions waits for the lock", async () => {
    const { db, path } = await scratch();
    await record(db, "committed before");
    const other = await openDatabase(path);
    opened.push(other);
    sqliteOf(other).run("BEGIN IMMEDIATE");
    try {
      const waiting = transact(db, async (tx) => {
        await record(tx, "once the lock is free");
      });
      // The waiting transaction does not hold the turn: a page or a health check still reads.
      expect(await events(db)).toEqual(["committed before"]);
      sqliteOf(other).run("COMMIT");
      await waiting;
    } finally {
      if (sqliteOf(other).inTransaction) sqliteOf(other).run("ROLLBACK");
    }
    expect(await events(db)).toEqual(["committed before", "once the lock is free"]);
  });

  it("should give up with SQLITE_BUSY once the lock stays taken past the wait", async () => {
    const { db, path } = await scratch();
    const other = await openDatabase(path);
    opened.push(other);
    sqliteOf(other).run("BEGIN IMMEDIATE");
    try {
      const attempt = transact(db, async (tx) => record(tx, "never"), "durable", 50);
      await expect(attempt).rejects.toMatchObject({ code: "SQLITE_BUSY" });
    } finally {
      sqliteOf(other).run("ROLLBACK");
    }
    // The turn was given back: the connection still works.
    await record(db, "afterwards");
    expect(await events(db)).toEqual(["afterwards"]);
  });
});
