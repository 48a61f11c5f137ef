import { Database as Sqlite } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import type { DatabaseConfig } from "../config-database";
import type { Database, PgDatabase, SqliteDatabase } from "./handle";
import { openPostgres } from "./postgres";
import * as schema from "./schema";
import { BUSY_WAIT_MS } from "./sql";
import { Turn } from "./turn";

export type { Database } from "./handle";

const MIGRATIONS = join(import.meta.dir, "../../drizzle");

export type OpenOptions = {
  /**
   * False on the connection that answers webhooks when another one (the delivery thread's) writes all the
   * time: that one then does the WAL checkpoints, and their fsyncs stay off the webhook's event loop.
   */
  checkpoints?: boolean;
  /**
   * How a statement meets another connection's write lock. `yield` (the default): it fails at once and is
   * tried again on a later turn of the event loop, which keeps serving requests meanwhile. `sleep`: it
   * waits in SQLite's busy handler, whose pauses grow; for the delivery thread, whose loop serves no
   * request, so that it leaves the lock to the webhook's connection rather than racing it for every commit.
   */
  waitForLock?: "yield" | "sleep";

  /** PostgreSQL: this handle's share of the process's DATABASE_POOL_SIZE (default: all of it). */
  poolSize?: number;
};

/**
 * Opens the database the config names, applying pending migrations: a SQLite file (a bare path is one),
 * created if needed, or a PostgreSQL pool.
 */
export async function openDatabase(
  target: string | DatabaseConfig,
  options: OpenOptions = {},
): Promise<Database> {
  if (typeof target === "string") return openSqlite(target, options);
  if (target.dialect === "sqlite") return openSqlite(target.path, options);
  const client = await openPostgres({ url: target.url, poolSize: options.poolSize ?? target.poolSize });
  const db: PgDatabase = {
    dialect: "postgres",
    role: "root",
    conn: { client: client.$client, orm: client, texts: new Map() },
  };
  return db;
}

async function openSqlite(path: string, options: OpenOptions): Promise<SqliteDatabase> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Sqlite(path, { create: true, strict: true });
  // First of all: two processes started together on a new file both switch it to WAL and migrate it, one
  // after the other; without the wait, the second one's journal_mode fails at once with SQLITE_BUSY.
  sqlite.run(`PRAGMA busy_timeout = ${BUSY_WAIT_MS}`);
  // WAL lets the webhook write while the worker reads. FULL: a stored text must survive power loss,
  // because the webhook has already told Twilio it has it.
  sqlite.run("PRAGMA journal_mode = WAL");
  sqlite.run("PRAGMA synchronous = FULL");
  sqlite.run("PRAGMA foreign_keys = ON");
  // Erased texts (bodies set to '', rows deleted) are overwritten with zeros in the file, not just unlinked.
  sqlite.run("PRAGMA secure_delete = ON");
  if (options.checkpoints === false) sqlite.run("PRAGMA wal_autocheckpoint = 0");
  const orm = drizzle(sqlite, { schema });
  migrate(orm, { migrationsFolder: MIGRATIONS });
  // From now on a taken write lock fails at once and the executor tries again on a later turn of the
  // event loop: sleeping in SQLite's busy handler would stall every request on this thread.
  if (options.waitForLock !== "sleep") sqlite.run("PRAGMA busy_timeout = 0");
  return {
    dialect: "sqlite",
    role: "root",
    conn: { client: sqlite, orm, turn: new Turn(), statements: new Map() },
  };
}

const closed = new WeakSet<object>();

/**
 * Closes the connection after moving the whole WAL into the database file and truncating it: the WAL keeps
 * old page images (erased texts among them) until overwritten, and a close that SQLite has to defer (a
 * statement still prepared) would leave it whole. The last connection to close leaves no WAL at all.
 * Waits for its turn: a transaction still open on the connection ends first.
 */
export async function closeDatabase(db: Database): Promise<void> {
  if (closed.has(db.conn)) return;
  if (db.dialect === "postgres") {
    closed.add(db.conn);
    await db.conn.client.close({ timeout: 5 });
    return;
  }
  closed.add(db.conn);
  const { turn, client, statements } = db.conn;
  await turn.take();
  try {
    for (const statement of statements.values()) statement.finalize();
    statements.clear();
    client.run(`PRAGMA busy_timeout = ${BUSY_WAIT_MS}`);
    client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch {
    // Busy (another process writing) or already broken: closing is all that is left to do.
  }
  client.close();
}
