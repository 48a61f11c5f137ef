import { Database as Sqlite } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { SQL } from "bun";
import { admin, adminErrors } from "../support/admin";
import { type FreshDatabase, freshDatabase, hasPostgres } from "../support/postgres";
import type { AppProcess } from "../support/process";
import {
  appEnvironment,
  connectPhone,
  repliesAfterConnecting,
  startAppProcess,
  texter,
} from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

// One install, run on SQLite then copied: the same data on both databases for every command.
setDefaultTimeout(60_000);

const DANA = "+14155550171";
const ELI = "+14155550172";
const NEW_KEY = Buffer.alloc(32, 77).toString("base64");

let x: XHarness;
let twilio: TwilioFixture;
let database: FreshDatabase;
let sqliteEnv: Record<string, string>;
let pgEnv: Record<string, string>;
let pg: SQL;
let failedJob: number;

describe.skipIf(!hasPostgres)("the admin CLI on PostgreSQL", () => {
  beforeAll(async () => {
    x = await startX();
    twilio = startTwilio();
    const { env, publicUrl } = appEnvironment(x, twilio);
    const text = texter(twilio, publicUrl);
    const app: AppProcess = await startAppProcess(env, { database: "as-given" });
    try {
      await connectPhone(app, text, x, twilio, DANA, "dana");
      await text(app, DANA, "hello from a flip phone");
      await waitFor(() => repliesAfterConnecting(twilio, DANA)[0], "the confirmation");
      await connectPhone(app, text, x, twilio, ELI, "eli");
      await text(app, ELI, "THREAD");
      await text(app, ELI, "part one");
      await waitFor(() => repliesAfterConnecting(twilio, ELI)[1], "part one's acknowledgement");
      await twilio.standIn.callbacks.settled();
    } finally {
      app.process.kill("SIGTERM");
      await app.process.exited;
    }
    const path = env.DATABASE_PATH ?? "";
    // A sweep that gave up: what `retry` can run again.
    const file = new Sqlite(path);
    const now = Date.now();
    const inserted = file
      .query(
        `INSERT INTO jobs (kind, payload, state, run_at, created_at, finished_at, attempts, outcome, last_error)
         VALUES ('housekeeping', '{}', 'failed', ?1, ?1, ?1, 8, 'gave_up', 'disk I/O error') RETURNING id`,
      )
      .get(now) as { id: number } | null;
    failedJob = inserted?.id ?? 0;
    file.close();
    database = await freshDatabase({ migrated: false });
    const copied = await admin(["copy-to-postgres", path], { DATABASE_URL: database.url });
    expect(adminErrors(copied)).toEqual([]);
    sqliteEnv = { DATABASE_PATH: path };
    // DATABASE_PATH still set, as an operator's .env would have it: DATABASE_URL wins.
    pgEnv = { DATABASE_URL: database.url, DATABASE_PATH: path };
    pg = new SQL(database.url, { max: 1 });
  }, 90_000);

  afterAll(async () => {
    await pg?.close();
    await x?.stop();
    await twilio?.stop();
    await database?.drop();
  });

  it("should print the same status and texter on PostgreSQL as on SQLite for the same data", async () => {
    for (const args of [
      ["texter", DANA],
      ["texter", ELI],
      ["texter", DANA, "--json"],
      ["texter", ELI, "--json"],
    ]) {
      const [onSqlite, onPostgres] = [await admin(args, sqliteEnv), await admin(args, pgEnv)];
      expect(onPostgres.code).toBe(0);
      expect(onPostgres.stdout).toBe(onSqlite.stdout);
    }
    const status = async (env: Record<string, string>): Promise<Record<string, unknown>> => {
      const run = await admin(["status", "--json"], env);
      expect(run.code).toBe(0);
      // Seconds waited so far is the one figure that moves between the two runs.
      const report = run.json() as { oldestDue: { waitedSeconds?: number }[] };
      for (const due of report.oldestDue) delete due.waitedSeconds;
      return report;
    };
    const onPostgres = await status(pgEnv);
    expect(onPostgres).toEqual(await status(sqliteEnv));
    expect(onPostgres).toMatchObject({
      queues: expect.arrayContaining([{ kind: "post", state: "done", count: 1 }]),
      failures: [
        expect.objectContaining({ id: failedJob, kind: "housekeeping", lastError: "disk I/O error" }),
      ],
      deliveries: expect.arrayContaining([expect.objectContaining({ status: "delivered" })]),
    });
    const texter = (await admin(["texter", ELI, "--json"], pgEnv)).json();
    expect(texter).toMatchObject({
      texter: { connected: true, handle: "eli", threadParts: 1 },
      texts: expect.arrayContaining([
        expect.objectContaining({ jobs: [expect.objectContaining({ kind: "inbound" })] }),
      ]),
    });
  });

  it("should run a failed job again with retry and retry --failed on PostgreSQL", async () => {
    const run = await admin(["retry", String(failedJob)], pgEnv);
    expect(adminErrors(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(await pg`SELECT state FROM jobs WHERE id = ${failedJob}`).toEqual([{ state: "pending" }]);
    const again = await admin(["retry", String(failedJob)], pgEnv);
    expect(again.code).toBe(1);
    expect(adminErrors(again)).toEqual([`admin: job ${failedJob} is pending, not failed`]);
    await pg`UPDATE jobs SET state = 'failed', finished_at = ${Date.now()} WHERE id = ${failedJob}`;
    const all = await admin(["retry", "--failed", "--json"], pgEnv);
    expect(all.code).toBe(0);
    expect(all.json()).toMatchObject({ retried: [failedJob], skipped: [] });
  });

  it("should forget a number on PostgreSQL: every row about it erased", async () => {
    const run = await admin(["forget", ELI, "--json"], pgEnv);
    expect(adminErrors(run)).toEqual([]);
    expect(run.json()).toMatchObject({ ok: true, phone: "•••• 0172", erased: true, revokeQueued: true });
    for (const table of ["texters", "thread_parts", "inbound_messages", "posts", "outbound_messages"]) {
      const [row] = await pg.unsafe(`SELECT count(*)::int AS n FROM ${table} WHERE phone = $1`, [ELI]);
      expect({ table, rows: (row as { n: number }).n }).toEqual({ table, rows: 0 });
    }
    const [revoke] =
      await pg`SELECT count(*)::int AS n FROM jobs WHERE kind = 'revoke' AND state = 'pending'`;
    expect(revoke).toEqual({ n: 1 });
    expect((await admin(["texter", ELI], pgEnv)).code).toBe(1);
  });

  it("should re-encrypt the tokens under a new key with rotate-key on PostgreSQL", async () => {
    const [before] = await pg`SELECT access_token FROM texters WHERE phone = ${DANA}`;
    const previous = Buffer.alloc(32, 9).toString("base64");
    const run = await admin(["rotate-key", "--json"], {
      ...pgEnv,
      TOKEN_ENCRYPTION_KEY: NEW_KEY,
      TOKEN_ENCRYPTION_KEY_PREVIOUS: previous,
    });
    const report = run.json() as { resealed: number; remaining: { what: string }[] };
    expect(report.resealed).toBe(1);
    const [after] = await pg`SELECT access_token FROM texters WHERE phone = ${DANA}`;
    expect(after.access_token).not.toBe(before.access_token);
    // What is left needs the old key only briefly (the pending revocation, say): never DANA's tokens.
    expect(report.remaining.filter((r) => r.what === "X tokens")).toEqual([]);
  });

  it("should refuse backup and restore on PostgreSQL, pointing to pg_dump and pg_restore", async () => {
    for (const command of ["backup", "restore"]) {
      const run = await admin([command, "/tmp/smstweet-never-written.db"], pgEnv);
      expect(run.code).toBe(1);
      expect(adminErrors(run)[0]).toContain("pg_dump -Fc and restore with pg_restore");
    }
    expect(await Bun.file("/tmp/smstweet-never-written.db").exists()).toBe(false);
  });
});
