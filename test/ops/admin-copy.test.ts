import { afterAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SQL } from "bun";
import { getTableName, is, Table } from "drizzle-orm";
import { closeDatabase, openDatabase } from "../../src/db/client";
import { COPY_PLAN } from "../../src/db/copy-plan";
import { closePostgres, openPostgres } from "../../src/db/postgres";
import * as sqliteSchema from "../../src/db/schema";
import * as pgSchema from "../../src/db/schema.pg";
import { query } from "../../src/db/sql";
import { closeFile, openFile } from "../../src/db/sqlite-file";
import { admin, adminErrors } from "../support/admin";
import { type FreshDatabase, freshDatabase, hasPostgres } from "../support/postgres";
import { sqliteOf } from "../support/sqlite";
import {
  appEnvironment,
  connectPhone,
  repliesAfterConnecting,
  startAppProcess,
  texter,
} from "../support/stack";
import { startTwilio } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX } from "../support/x";

setDefaultTimeout(60_000);

const DANA = "+14155550141";
const ELI = "+14155550142";
const NEW = "+14155550143";

const dirs: string[] = [];
const databases: FreshDatabase[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const database of databases) await database.drop();
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-copy-"));
  dirs.push(dir);
  return join(dir, "smstweet.db");
}

async function target(migrated = false): Promise<FreshDatabase> {
  const database = await freshDatabase({ migrated });
  databases.push(database);
  return database;
}

type Row = Record<string, unknown>;
const canonical = (rows: Row[]): string[] =>
  rows.map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).sort()))).sort();

/** Every table's rows, as Drizzle reads them from each side (booleans, numbers, media arrays). */
async function sqliteRows(path: string): Promise<Record<string, string[]>> {
  const db = openFile(path, true);
  try {
    const out: Record<string, string[]> = {};
    for (const plan of COPY_PLAN)
      out[plan.name] = canonical((await query(db, (orm) => orm.select().from(plan.from))) as Row[]);
    return out;
  } finally {
    closeFile(db);
  }
}

async function postgresRows(url: string): Promise<Record<string, string[]>> {
  const db = await openPostgres({ url, poolSize: 1 });
  try {
    const out: Record<string, string[]> = {};
    for (const plan of COPY_PLAN) out[plan.name] = canonical((await db.select().from(plan.to)) as Row[]);
    return out;
  } finally {
    await closePostgres(db);
  }
}

async function countsOf(url: string): Promise<Record<string, number>> {
  const sql = new SQL(url, { max: 1 });
  try {
    const out: Record<string, number> = {};
    for (const plan of COPY_PLAN) {
      const [row] = await sql.unsafe(`SELECT count(*)::int AS n FROM "${plan.name}"`);
      out[plan.name] = (row as { n: number }).n;
    }
    return out;
  } finally {
    await sql.close();
  }
}

/** A migrated SQLite file with `work` done on its raw connection. */
async function sqliteFile(work: (raw: ReturnType<typeof sqliteOf>) => void = () => {}): Promise<string> {
  const path = tempFile();
  const db = await openDatabase(path);
  work(sqliteOf(db));
  await closeDatabase(db);
  return path;
}

const copy = (file: string, url: string) =>
  admin(["copy-to-postgres", file, "--json"], { DATABASE_URL: url });

describe.skipIf(!hasPostgres)("admin copy-to-postgres, on PostgreSQL", () => {
  it("should copy a populated install into an empty database with equal counts, equal rows and sequences past the ids", async () => {
    const x = await startX();
    const twilio = startTwilio();
    const { env, publicUrl } = appEnvironment(x, twilio);
    const dbPath = env.DATABASE_PATH ?? "";
    const text = texter(twilio, publicUrl);
    // As given: the app runs on its SQLite file in every pass (the copy's source).
    const app = await startAppProcess(env, { database: "as-given" });
    try {
      await connectPhone(app, text, x, twilio, DANA, "dana");
      await text(app, DANA, "hello from a flip phone");
      await waitFor(() => repliesAfterConnecting(twilio, DANA)[0], "the confirmation");
      await connectPhone(app, text, x, twilio, ELI, "eli");
      await text(app, ELI, "THREAD");
      await text(app, ELI, "part one");
      await waitFor(() => repliesAfterConnecting(twilio, ELI)[1], "part one's acknowledgement");
      await text(app, NEW, "who is this");
      await waitFor(() => twilio.standIn.messagesTo(NEW)[0], "the link");
      // X's rate limit holds DANA's next post for half an hour: it waits in the queue when the app stops.
      const tweets = (): number =>
        x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets").length;
      const tried = tweets();
      const reset = String(Math.ceil(Date.now() / 1000) + 1_800);
      x.standIn.failNext("tweets", { status: 429, headers: { "x-rate-limit-reset": reset } });
      await text(app, DANA, "a post that waits");
      await waitFor(() => tweets() > tried, "the post refused by X's rate limit");
      await twilio.standIn.callbacks.settled();
    } finally {
      app.process.kill("SIGTERM");
      await app.process.exited;
      await x.stop();
      await twilio.stop();
    }
    dirs.push(dirname(dbPath));

    const before = await sqliteRows(dbPath);
    for (const table of [
      "texters",
      "posts",
      "thread_parts",
      "jobs",
      "delivery_counts",
      "metric_totals",
      "auth_links",
    ])
      expect(before[table]?.length ?? 0).toBeGreaterThan(0);

    const { url } = await target();
    const run = await admin(["copy-to-postgres", dbPath], { DATABASE_URL: url });
    expect(adminErrors(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Rows copied:");
    expect(run.stdout).toContain("same TOKEN_ENCRYPTION_KEY");
    expect(run.stdout).not.toContain(url.split("@")[0] ?? url);

    const after = await postgresRows(url);
    for (const plan of COPY_PLAN) {
      if (plan.skip) continue;
      expect({ table: plan.name, rows: after[plan.name] }).toEqual({
        table: plan.name,
        rows: before[plan.name],
      });
    }

    // The app's next rows get fresh ids, never a copied one.
    const sql = new SQL(url, { max: 1 });
    try {
      const [{ max }] = await sql`SELECT max(id)::int AS max FROM jobs`;
      const [{ id }] =
        await sql`INSERT INTO jobs (kind, state, run_at, created_at) VALUES ('housekeeping', 'done', 0, 0) RETURNING id::int AS id`;
      expect(id).toBeGreaterThan(max);
    } finally {
      await sql.close();
    }
  });

  it("should print the counts table by table as --json", async () => {
    const file = await sqliteFile((raw) => {
      raw.run("INSERT INTO texters (phone, created_at, opted_out) VALUES ('+14155550150', 1, 1)");
      raw.run(
        "INSERT INTO inbound_messages (sid, phone, body, media, received_at, next_attempt_at) VALUES ('SM1', '+14155550150', 'x', '[{\"url\":\"https://a/1\",\"contentType\":\"image/png\"}]', 1, 1)",
      );
    });
    const { url } = await target(true);
    const run = await copy(file, url);
    expect(run.code).toBe(0);
    const report = run.json() as {
      ok: boolean;
      tokensEncrypted: boolean;
      tables: { table: string; source: number; target: number }[];
    };
    expect(report).toMatchObject({ ok: true, tokensEncrypted: true });
    expect(report.tables).toContainEqual(expect.objectContaining({ table: "texters", source: 1, target: 1 }));
    expect(report.tables).toContainEqual(
      expect.objectContaining({ table: "inbound_messages", source: 1, target: 1 }),
    );
    const sql = new SQL(url, { max: 1 });
    try {
      expect(
        await sql`SELECT opted_out, jsonb_typeof(m.media) AS media FROM texters, inbound_messages m`,
      ).toEqual([{ opted_out: true, media: "array" }]);
    } finally {
      await sql.close();
    }
  });

  it("should refuse a target that is not empty and leave it untouched", async () => {
    const file = await sqliteFile((raw) => {
      raw.run("INSERT INTO texters (phone, created_at) VALUES ('+14155550151', 1)");
    });
    const { url } = await target(true);
    const sql = new SQL(url, { max: 1 });
    try {
      await sql`INSERT INTO posts (phone, post_id, created_at) VALUES ('+14155550199', '77', 5)`;
      const before = await countsOf(url);
      const run = await copy(file, url);
      expect(run.code).toBe(1);
      expect(adminErrors(run)[0]).toContain("is not empty (posts 1)");
      expect(run.json()).toMatchObject({ ok: false, rows: [{ table: "posts", rows: 1 }] });
      expect(await countsOf(url)).toEqual(before);
      expect(await sql`SELECT phone FROM posts`).toEqual([{ phone: "+14155550199" }]);
    } finally {
      await sql.close();
    }
  });

  it("should refuse a target with tables this release does not know", async () => {
    const file = await sqliteFile();
    const { url } = await target(true);
    const sql = new SQL(url, { max: 1 });
    try {
      await sql`CREATE TABLE invoices (id int PRIMARY KEY)`;
    } finally {
      await sql.close();
    }
    const run = await copy(file, url);
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toContain("has tables this release does not know (invoices)");
  });

  it("should leave the target empty when PostgreSQL refuses a row midway, and name the table without its data", async () => {
    const file = await sqliteFile((raw) => {
      raw.run("INSERT INTO texters (phone, created_at) VALUES ('+14155550152', 1)");
      const insert = raw.prepare(
        "INSERT INTO inbound_messages (sid, phone, body, received_at, next_attempt_at) VALUES (?1, '+14155550152', ?2, 1, 1)",
      );
      raw.transaction(() => {
        for (let i = 1; i <= 2_500; i++) insert.run(`SM${i}`, i === 2_400 ? "secret\u0000body" : `text ${i}`);
      })();
    });
    const { url } = await target();
    const run = await copy(file, url);
    expect(run.code).toBe(1);
    const [error] = adminErrors(run);
    expect(error).toContain("PostgreSQL refused inbound_messages rows 2001–2500");
    expect(error).toContain("nothing was copied");
    expect(run.stdout + run.stderr).not.toContain("secret");
    const counts = await countsOf(url);
    expect(counts).toEqual({ ...Object.fromEntries(COPY_PLAN.map((p) => [p.name, 0])), health_probe: 1 });
  });
});

describe.skipIf(!hasPostgres)("admin copy-to-postgres on a bad day, on PostgreSQL", () => {
  it("should leave the target empty when the copy is killed -9 midway, and copy in full when run again", async () => {
    const file = await sqliteFile((raw) => {
      const insert = raw.prepare(
        "INSERT INTO inbound_messages (sid, phone, body, received_at, next_attempt_at) VALUES (?1, '+14155550153', ?2, 1, 1)",
      );
      raw.transaction(() => {
        for (let i = 1; i <= 60_000; i++) insert.run(`SM${i}`, `text number ${i} `.repeat(4));
      })();
    });
    const { url } = await target();
    const watcher = new SQL(url, { max: 1 });
    try {
      // The CLI itself, not `bun run`'s wrapper: the signal must reach the process holding the connection.
      const child = Bun.spawn(
        ["bun", join(import.meta.dir, "../../src/ops/admin/main.ts"), "copy-to-postgres", file],
        {
          env: { PATH: process.env.PATH ?? "", DATABASE_URL: url },
          stdout: "ignore",
          stderr: "ignore",
        },
      );
      // Midway: some batches of inbound_messages are in, uncommitted.
      await waitFor(
        async () => {
          const [busy] = await watcher`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'insert into "inbound_messages"%' AND pid <> pg_backend_pid()`;
          return (busy as { n: number }).n > 0 || undefined;
        },
        "the copy inserting inbound_messages",
        30_000,
      );
      child.kill(9);
      await child.exited;
      // The server notices the dead connection and rolls its transaction back.
      await waitFor(async () => {
        const [open] = await watcher`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;
        return (open as { n: number }).n === 0 || undefined;
      }, "the killed copy's connection gone");
      const counts = await countsOf(url);
      expect(counts.inbound_messages).toBe(0);
      expect(counts.texters).toBe(0);

      const again = await copy(file, url);
      expect(adminErrors(again)).toEqual([]);
      expect(again.code).toBe(0);
      expect((await countsOf(url)).inbound_messages).toBe(60_000);
    } finally {
      await watcher.close();
    }
  });

  it("should copy the rows still in the WAL of an app killed -9 (no checkpoint)", async () => {
    const file = await sqliteFile();
    // An app that wrote and died: its last commits are only in the -wal file, never checkpointed.
    const script = `
      import { Database } from "bun:sqlite";
      const db = new Database(${JSON.stringify(file)});
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA wal_autocheckpoint = 0");
      db.run("INSERT INTO texters (phone, created_at) VALUES ('+14155550155', 1)");
      db.run("INSERT INTO posts (phone, post_id, created_at) VALUES ('+14155550155', '1', 1)");
      console.log("written");
      setInterval(() => {}, 1000);
    `;
    const child = Bun.spawn(["bun", "-e", script], { stdout: "pipe", stderr: "inherit" });
    const reader = child.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("written");
    child.kill(9);
    await child.exited;
    expect(Bun.file(`${file}-wal`).size).toBeGreaterThan(0);

    const { url } = await target(true);
    const run = await copy(file, url);
    expect(adminErrors(run)).toEqual([]);
    const counts = await countsOf(url);
    expect({ texters: counts.texters, posts: counts.posts }).toEqual({ texters: 1, posts: 1 });
  });

  it("should copy once when two copies run at the same moment: the other finds the target full", async () => {
    const file = await sqliteFile((raw) => {
      raw.run("INSERT INTO texters (phone, created_at) VALUES ('+14155550154', 1)");
    });
    const { url } = await target(true);
    const runs = await Promise.all([copy(file, url), copy(file, url)]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(runs.flatMap(adminErrors).join()).toContain("is not empty (texters 1)");
    expect((await countsOf(url)).texters).toBe(1);
  });
});

describe("the copy plan", () => {
  it("should name every table of both schemas, parents before children", () => {
    const tables = (schema: Record<string, unknown>): string[] =>
      Object.values(schema)
        .filter((value) => is(value, Table))
        .map((table) => getTableName(table as Table))
        .sort();
    const planned = COPY_PLAN.map((plan) => plan.name);
    expect([...planned].sort()).toEqual(tables(pgSchema));
    expect([...planned].sort()).toEqual(tables(sqliteSchema));
    expect(planned.indexOf("auth_links")).toBeLessThan(planned.indexOf("oauth_sessions"));
  });
});

describe("admin copy-to-postgres refusals", () => {
  // Nothing listens here: each refusal comes before PostgreSQL is reached.
  const NOWHERE = "postgres://smstweet:s3cret@127.0.0.1:1/smstweet";

  it("should refuse without DATABASE_URL", async () => {
    const file = await sqliteFile();
    const run = await admin(["copy-to-postgres", file], { DATABASE_PATH: file });
    expect(run.code).toBe(1);
    expect(adminErrors(run)).toEqual([
      "admin: DATABASE_URL must name the PostgreSQL database to copy into (postgres://…)",
    ]);
  });

  it("should exit 2 without a file argument", async () => {
    const run = await admin(["copy-to-postgres"], { DATABASE_URL: NOWHERE });
    expect(run.code).toBe(2);
  });

  it("should refuse a file that is not smstweet's", async () => {
    const path = tempFile();
    const other = new (await import("bun:sqlite")).Database(path, { create: true });
    other.run("CREATE TABLE notes (id INTEGER PRIMARY KEY)");
    other.close();
    const run = await copy(path, NOWHERE);
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toContain("not a smstweet database");
  });

  it("should refuse a file that fails its integrity check", async () => {
    const file = await sqliteFile((raw) => {
      const insert = raw.prepare(
        "INSERT INTO inbound_messages (sid, phone, body, received_at, next_attempt_at) VALUES (?1, '+14155550156', ?2, 1, 1)",
      );
      raw.transaction(() => {
        for (let i = 1; i <= 2_000; i++) insert.run(`SM${i}`, `text number ${i}`);
      })();
    });
    // A disk that flipped bytes in the middle of the file: pages of a table, not the header.
    const handle = await open(file, "r+");
    const size = (await handle.stat()).size;
    await handle.write(Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    await handle.close();
    const run = await copy(file, NOWHERE);
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toMatch(
      /was not copied: (integrity check failed|not a readable SQLite database)/,
    );
  });

  it("should refuse a file migrated by an older release, saying which migrations it lacks", async () => {
    const file = await sqliteFile((raw) => {
      raw.run("DELETE FROM __drizzle_migrations WHERE rowid = (SELECT max(rowid) FROM __drizzle_migrations)");
    });
    const run = await copy(file, NOWHERE);
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toContain("migrated by an older release");
    expect(adminErrors(run)[0]).toContain("missing: 0008_health");
  });

  it("should refuse a file migrated by a newer release", async () => {
    const file = await sqliteFile((raw) => {
      raw.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)");
    });
    const run = await copy(file, NOWHERE);
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toContain("migrated by a newer release");
  });

  it("should refuse while the app holds the file's heartbeat", async () => {
    const file = await sqliteFile((raw) => {
      raw.run(
        "INSERT INTO heartbeats (id, pid, host, started_at, refreshed_at) VALUES ('a', 4242, 'vps', ?1, ?1)",
        [Date.now()],
      );
    });
    const run = await copy(file, NOWHERE);
    expect(run.code).toBe(1);
    expect(adminErrors(run)).toEqual([
      `admin: the app is running on ${file} (pid 4242 on vps): stop it first, then copy`,
    ]);
  });

  it("should refuse an unreachable database without showing its password", async () => {
    const file = await sqliteFile();
    const run = await copy(file, NOWHERE);
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toContain("127.0.0.1:1");
    expect(run.stdout + run.stderr).not.toContain("s3cret");
  });
});
