import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { hostname } from "node:os";
import { systemClock } from "../../src/clock";
import type { Database } from "../../src/db/client";
import { addJob } from "../../src/db/jobs";
import { run } from "../../src/db/sql";
import { transact } from "../../src/db/transaction";
import { createLogger, silentLogger } from "../../src/log";
import { Engine, type EngineOptions } from "../../src/queue/engine";
import type { RetryPolicy } from "../../src/queue/policy";
import type { JobHandler } from "../../src/queue/types";
import { onSqlite, TEST_DB } from "../support/database";
import { breakWrites } from "../support/faults";
import { hasPostgres } from "../support/postgres";
import { jobRows, type QueueDatabase, queueDatabase } from "../support/queue-db";
import { sqliteOf } from "../support/sqlite";
import { waitFor } from "../support/wait";

setDefaultTimeout(20_000);

const POLICY: RetryPolicy = { baseMs: 20, maxMs: 200, giveUpAfterMs: 60 * 60_000, maxFaults: 3 };
const databases: QueueDatabase[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
  for (const db of databases.splice(0)) await db.drop();
});

/** A database of its own, SQLite or PostgreSQL as the pass runs (SMSTWEET_TEST_DB). */
async function freshQueueDatabase(): Promise<QueueDatabase> {
  const shared = await queueDatabase(TEST_DB);
  databases.push(shared);
  return shared;
}

async function testDatabase(): Promise<Database> {
  return (await freshQueueDatabase()).open();
}

function engineOn(db: Database, options: Partial<EngineOptions> = {}): Engine {
  const engine = new Engine({
    db,
    clock: systemClock,
    logger: silentLogger,
    policy: POLICY,
    concurrency: 8,
    pollMs: 20,
    leaseMs: 5_000,
    ...options,
  });
  engines.push(engine);
  return engine;
}

const queue = (
  db: Database,
  kind: string,
  lane: string | null,
  payload: unknown = {},
): Promise<number | null> => transact(db, (tx) => addJob(tx, { kind, lane, payload }, Date.now()));

/** A handler that records when each job starts and ends, taking `ms` (a real await: lanes interleave). */
function recorder(ms = 5) {
  const runs: { id: number; lane: string | null; n: number; start: number; end: number }[] = [];
  const handler: JobHandler<{ n: number }> = {
    async run(job) {
      const start = performance.now();
      await Bun.sleep(ms);
      runs.push({ id: job.id, lane: job.lane, n: job.payload.n, start, end: performance.now() });
      return { kind: "done", detail: "ok" };
    },
  };
  return { runs, handler };
}

function overlapsWithinLane(runs: ReturnType<typeof recorder>["runs"]): boolean {
  return runs.some((a) =>
    runs.some((b) => a !== b && a.lane === b.lane && a.start < b.end && b.start < a.end),
  );
}

describe("the job engine", () => {
  it("should run one lane's jobs one at a time in order, and lanes side by side", async () => {
    const db = await testDatabase();
    const { runs, handler } = recorder(10);
    for (let n = 0; n < 30; n++) await queue(db, "work", `lane-${n % 3}`, { n });
    engineOn(db).register("work", handler).start();
    await waitFor(() => runs.length === 30, "every job to run");
    expect(overlapsWithinLane(runs)).toBe(false);
    for (const lane of ["lane-0", "lane-1", "lane-2"]) {
      const order = runs.filter((r) => r.lane === lane).map((r) => r.n);
      expect(order).toEqual(order.toSorted((a, b) => a - b));
    }
    // Lanes ran concurrently: some run of one lane overlapped a run of another.
    expect(runs.some((a) => runs.some((b) => a.lane !== b.lane && a.start < b.end && b.start < a.end))).toBe(
      true,
    );
  });

  it("should never let two engines on one database work the same job or the same lane at once", async () => {
    const shared = await freshQueueDatabase();
    const first = await shared.open();
    const second = await shared.open();
    const { runs, handler } = recorder(2);
    for (let n = 0; n < 300; n++) await queue(first, "work", `lane-${n % 10}`, { n });
    engineOn(first).register("work", handler).start();
    engineOn(second).register("work", handler).start();
    await waitFor(() => runs.length >= 300, "every job to run");
    await Promise.all(engines.map((e) => e.idle()));
    expect(runs).toHaveLength(300);
    expect(new Set(runs.map((r) => r.id)).size).toBe(300);
    expect(overlapsWithinLane(runs)).toBe(false);
  });

  it("should keep answering other kinds while one kind's jobs all hang on a slow dependency", async () => {
    const db = await testDatabase();
    let release: () => void = () => {};
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const { runs, handler } = recorder(1);
    engineOn(db, { concurrency: 2 })
      .register("slow", {
        async run() {
          started++;
          await hung;
          return { kind: "done", detail: "ok" };
        },
      })
      .register("work", handler)
      .start();
    for (let n = 0; n < 5; n++) await queue(db, "slow", `slow-${n}`);
    await waitFor(() => started === 2, "the slow kind to fill its slots");
    for (let n = 0; n < 4; n++) await queue(db, "work", `work-${n}`, { n });
    await waitFor(() => runs.length === 4, "the other kind's jobs");
    expect(started).toBe(2);
    release();
    await waitFor(() => started === 5, "the rest of the slow jobs");
  });

  it("should back off a job that keeps throwing, then fail it and call its give-up hook once", async () => {
    const db = await testDatabase();
    const starts: number[] = [];
    const gaveUp: string[] = [];
    engineOn(db)
      .register("broken", {
        async run() {
          starts.push(Date.now());
          throw new TypeError("cannot read properties of undefined");
        },
        onGiveUp: async (_job, giveUp) => void gaveUp.push(giveUp.cause),
      })
      .start();
    await queue(db, "broken", "lane");
    await waitFor(async () => (await jobRows(db, "broken"))[0]?.state === "failed", "the job to fail");
    const [job] = await jobRows(db, "broken");
    expect(job).toMatchObject({ attempts: 3, faults: 3 });
    expect(job?.lastError).toContain("TypeError: cannot read properties of undefined");
    expect(gaveUp).toEqual(["faults"]);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? 0));
    expect(gaps.every((gap) => gap >= 10)).toBe(true);
  });

  it("should let a lane's next job run after the one before it failed", async () => {
    const db = await testDatabase();
    const { runs, handler } = recorder(1);
    engineOn(db)
      .register("broken", { run: async () => ({ kind: "fault", reason: "unreadable" }) })
      .register("work", handler)
      .start();
    await queue(db, "broken", "lane");
    await queue(db, "work", "lane", { n: 1 });
    await waitFor(() => runs.length === 1, "the job behind the failed one");
    expect((await jobRows(db, "broken"))[0]?.state).toBe("failed");
  });

  it("should resume a job whose owner died on this host at once, and another host's only when its lease runs out", async () => {
    const db = await testDatabase();
    const { runs, handler } = recorder(1);
    const now = Date.now();
    const dead = (await queue(db, "work", "a", { n: 1 })) ?? 0;
    const remote = (await queue(db, "work", "b", { n: 2 })) ?? 0;
    const lease =
      "UPDATE jobs SET state = 'running', attempts = 1, locked_by = ?1, locked_until = ?2 WHERE id = ?3";
    await run(db, lease, `${hostname()}/999999999/dead`, now + 3_600_000, dead);
    await run(db, lease, "another-host/1/alive", now + 400, remote);
    engineOn(db).register("work", handler).start();
    await waitFor(() => runs.length === 1, "the dead owner's job");
    expect(runs[0]?.id).toBe(dead);
    await waitFor(() => runs.length === 2, "the other host's job after its lease");
    expect(runs[1]?.id).toBe(remote);
    expect(Date.now()).toBeGreaterThanOrEqual(now + 400);
  });

  it.skipIf(!onSqlite)(
    "should keep results through a full disk and commit them once the disk has room, running nothing twice, on SQLite",
    async () => {
      const db = await testDatabase();
      sqliteOf(db).run("CREATE TABLE ballast (b BLOB)");
      const failedCommits: string[] = [];
      const logger = createLogger("error", (line) => {
        if (line.includes("queue.commit_failed")) failedCommits.push(line);
      });
      let runsOfJob = 0;
      engineOn(db, { logger })
        .register("big", {
          async run() {
            runsOfJob++;
            // The disk fills up while the job is out at X: its commit is what fails.
            const pages = (sqliteOf(db).query("PRAGMA page_count").get() as { page_count: number })
              .page_count;
            sqliteOf(db).run(`PRAGMA max_page_count = ${pages + 2}`);
            return {
              kind: "done",
              detail: "ok",
              write: async (tx) => {
                await run(tx, "INSERT INTO ballast VALUES (zeroblob(400000))");
              },
            };
          },
        })
        .start();
      await queue(db, "big", "lane");
      await waitFor(() => failedCommits.length >= 2, "two failed commits");
      expect(failedCommits[0]).toContain("full");
      expect((await jobRows(db, "big"))[0]?.state).toBe("running");
      sqliteOf(db).run("PRAGMA max_page_count = 1073741823");
      await waitFor(
        async () => (await jobRows(db, "big"))[0]?.state === "done",
        "the commit once there is room",
      );
      expect(runsOfJob).toBe(1);
    },
  );

  it.skipIf(!hasPostgres)(
    "should keep results while PostgreSQL refuses writes (disk full) and commit them once it takes them, running nothing twice, on PostgreSQL",
    async () => {
      const shared = await queueDatabase("postgres");
      databases.push(shared);
      const db = await shared.open();
      await run(db, "CREATE TABLE ballast (b TEXT)");
      const repair = await breakWrites(db, "ballast", "INSERT", "disk full");
      const failedCommits: string[] = [];
      const logger = createLogger("error", (line) => {
        if (line.includes("queue.commit_failed")) failedCommits.push(line);
      });
      let runsOfJob = 0;
      engineOn(db, { logger })
        .register("big", {
          async run() {
            runsOfJob++;
            return {
              kind: "done",
              detail: "ok",
              write: async (tx) => {
                await run(tx, "INSERT INTO ballast VALUES ('x')");
              },
            };
          },
        })
        .start();
      await queue(db, "big", "lane");
      await waitFor(() => failedCommits.length >= 2, "two failed commits");
      expect(failedCommits[0]).toContain("disk full");
      expect((await jobRows(db, "big"))[0]?.state).toBe("running");
      await repair();
      await waitFor(
        async () => (await jobRows(db, "big"))[0]?.state === "done",
        "the commit once writes work",
      );
      expect(runsOfJob).toBe(1);
    },
  );
});
