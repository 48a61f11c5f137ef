import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { systemClock } from "../../src/clock";
import type { Database } from "../../src/db/client";
import { addJob, claimJobs, finishJob, type JobRow } from "../../src/db/jobs";
import { get, run } from "../../src/db/sql";
import { transact } from "../../src/db/transaction";
import { subscribeToJobs } from "../../src/db/wake";
import { silentLogger } from "../../src/log";
import { Engine } from "../../src/queue/engine";
import { hasPostgres } from "../support/postgres";
import { jobRows, type QueueDatabase, queueDatabase } from "../support/queue-db";
import { waitFor } from "../support/wait";

setDefaultTimeout(30_000);

const databases: QueueDatabase[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
  for (const db of databases.splice(0)) await db.drop();
});

/** Two connections (pools) to one fresh database, as two replicas have, and a third to watch them. */
async function replicas(): Promise<{ a: Database; b: Database; watcher: Database }> {
  const shared = await queueDatabase("postgres");
  databases.push(shared);
  return { a: await shared.open(), b: await shared.open(), watcher: await shared.open() };
}

/** Sessions waiting for an advisory lock (a lane) held by another. */
async function waitingForLane(watcher: Database): Promise<number> {
  const row = await get<{ n: number }>(
    watcher,
    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
  );
  return row?.n ?? 0;
}

const headsOf = async (db: Database, lane: string): Promise<string[]> =>
  (await jobRows(db)).filter((job) => job.lane === lane).map((job) => job.state);

describe.skipIf(!hasPostgres)("the job engine beside other replicas", () => {
  it("should keep one head per lane when two connections add to the lane at once, on PostgreSQL", async () => {
    const { a, b, watcher } = await replicas();
    for (let round = 0; round < 3; round++) {
      const lane = `+1555000000${round}`;
      const added = Promise.withResolvers<void>();
      let secondDone = false;
      // The first adds and holds its transaction open until the second has added too, or waits to.
      const first = transact(a, async (tx) => {
        await addJob(tx, { kind: "work", lane }, Date.now());
        added.resolve();
        await waitFor(async () => secondDone || (await waitingForLane(watcher)) > 0, "the second add");
      });
      await added.promise;
      const second = transact(b, (tx) => addJob(tx, { kind: "work", lane }, Date.now())).then(() => {
        secondDone = true;
      });
      await Promise.all([first, second]);
      expect((await headsOf(a, lane)).toSorted()).toEqual(["pending", "waiting"]);
    }
  });

  it("should let a lane's next job go when its head finishes while another connection adds to it, on PostgreSQL", async () => {
    const { a, b, watcher } = await replicas();
    const lane = "+15550000009";
    await transact(a, (tx) => addJob(tx, { kind: "work", lane }, Date.now()));
    const now = Date.now();
    const [head] = await transact(a, (tx) => claimJobs(tx, "a", now, now + 60_000, new Map([["work", 1]])));
    const finished = Promise.withResolvers<void>();
    let addDone = false;
    // The head finishes (and looks for a next job) while the other's add is not yet committed.
    const finishing = transact(a, async (tx) => {
      const end = {
        state: "done",
        outcome: "completed",
        detail: null,
        lastError: null,
        erasePayload: false,
      } as const;
      await finishJob(tx, head as JobRow, "a", end, Date.now());
      finished.resolve();
      await waitFor(async () => addDone || (await waitingForLane(watcher)) > 0, "the other add");
    });
    await finished.promise;
    const adding = transact(b, (tx) => addJob(tx, { kind: "work", lane }, Date.now())).then(() => {
      addDone = true;
    });
    await Promise.all([finishing, adding]);
    // Without the lane taken in turn, the add saw the head still running and waited behind it forever.
    expect(await headsOf(a, lane)).toEqual(["pending"]);
  });

  it("should lease each due job to exactly one of two replicas claiming at once, on PostgreSQL", async () => {
    const { a, b } = await replicas();
    await transact(a, async (tx) => {
      for (let n = 0; n < 200; n++) await addJob(tx, { kind: "work", lane: null }, Date.now());
    });
    const claimAll = async (db: Database, owner: string): Promise<number[]> => {
      const ids: number[] = [];
      for (;;) {
        const now = Date.now();
        const room = new Map([["work", 7]]);
        const rows = await transact(db, (tx) => claimJobs(tx, owner, now, now + 60_000, room));
        if (rows.length === 0) return ids;
        ids.push(...rows.map((row) => row.id));
      }
    };
    const [byA, byB] = await Promise.all([claimAll(a, "a"), claimAll(b, "b")]);
    const all = [...byA, ...byB];
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect((await jobRows(a)).every((job) => job.state === "running" && job.lockedBy !== null)).toBe(true);
  });

  it("should hand each expired lease to exactly one of two replicas taking them over at once, on PostgreSQL", async () => {
    const { a, b } = await replicas();
    const now = Date.now();
    await transact(a, async (tx) => {
      for (let n = 0; n < 60; n++) await addJob(tx, { kind: "work", lane: `+1555100${n}` }, now);
    });
    // Another host's replica held them all and went silent: its leases ran out.
    await run(
      a,
      "UPDATE jobs SET state = 'running', locked_by = 'gone-host/1/x', locked_until = ?1",
      now - 1,
    );
    const takeOver = async (db: Database, owner: string): Promise<JobRow[]> => {
      const rows: JobRow[] = [];
      for (;;) {
        const at = Date.now();
        const room = new Map([["work", 5]]);
        const got = await transact(db, (tx) => claimJobs(tx, owner, at, at + 60_000, room));
        if (got.length === 0) return rows;
        rows.push(...got);
      }
    };
    const [byA, byB] = await Promise.all([takeOver(a, "a"), takeOver(b, "b")]);
    const all = [...byA, ...byB];
    expect(all).toHaveLength(60);
    expect(new Set(all.map((row) => row.id)).size).toBe(60);
    // Whoever takes one over knows the last holder may have acted.
    expect(all.every((row) => row.uncertain)).toBe(true);
  });

  it("should start an idle replica on a job another replica queued without waiting for its poll, on PostgreSQL", async () => {
    const { a, b, watcher } = await replicas();
    const ran = listeningEngine(b);
    await waitFor(async () => {
      const row = await get<{ n: number }>(
        watcher,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'",
      );
      return (row?.n ?? 0) > 0;
    }, "the replica to LISTEN");
    const id = await transact(a, (tx) => addJob(tx, { kind: "work", lane: "+15550000001" }, Date.now()));
    await waitFor(() => ran.includes(id ?? -1), "the idle replica to run the job", 5_000);
  });

  it("should look for work again when its LISTEN connection is cut, after reconnecting, on PostgreSQL", async () => {
    const { a, b, watcher } = await replicas();
    const ran = listeningEngine(b);
    const listener = async (): Promise<number | undefined> =>
      (
        await get<{ pid: number }>(
          watcher,
          "SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND state = 'idle'",
        )
      )?.pid;
    const pid = await waitFor(listener, "the replica to LISTEN");
    // The connection goes (a failover, a restart of PostgreSQL): a job queued meanwhile notifies no one.
    await get(watcher, "SELECT pg_terminate_backend(?1)", pid);
    const id = await transact(a, (tx) => addJob(tx, { kind: "work", lane: null }, Date.now()));
    await waitFor(() => ran.includes(id ?? -1), "the job, found after the LISTEN came back", 15_000);
    expect(await listener()).not.toBe(pid);
  });
});

/**
 * An engine on `db` that LISTENs for new jobs and polls only every ten minutes, far longer than any test
 * waits: only a notification can start a job in time. Returns the ids of the jobs it ran.
 */
function listeningEngine(db: Database): number[] {
  const ran: number[] = [];
  const engine = new Engine({
    db,
    clock: systemClock,
    logger: silentLogger,
    policy: { baseMs: 20, maxMs: 200, giveUpAfterMs: 3_600_000, maxFaults: 3 },
    concurrency: 4,
    pollMs: 600_000,
    leaseMs: 60_000,
    subscribe: (wake) => subscribeToJobs(db, wake),
  }).register("work", {
    run: async (job) => {
      ran.push(job.id);
      return { kind: "done", detail: "ok" };
    },
  });
  engines.push(engine);
  engine.start();
  return ran;
}
