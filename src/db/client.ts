import { Database as Sqlite } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema";

export type Database = BunSQLiteDatabase<typeof schema> & { $client: Sqlite };

const MIGRATIONS = join(import.meta.dir, "../../drizzle");

export type OpenOptions = {
  /**
   * False on the connection that answers webhooks when another one (the delivery thread's) writes all the
   * time: that one then does the WAL checkpoints, and their fsyncs stay off the webhook's event loop.
   */
  checkpoints?: boolean;
};

/** Opens (creating if needed) the SQLite file, sets pragmas and applies pending migrations. */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Sqlite(path, { create: true, strict: true });
  // WAL lets the webhook write while the worker reads. FULL: a stored text must survive power loss,
  // because the webhook has already told Twilio it has it.
  sqlite.run("PRAGMA journal_mode = WAL");
  sqlite.run("PRAGMA synchronous = FULL");
  sqlite.run("PRAGMA foreign_keys = ON");
  sqlite.run("PRAGMA busy_timeout = 5000");
  // Erased texts (bodies set to '', rows deleted) are overwritten with zeros in the file, not just unlinked.
  sqlite.run("PRAGMA secure_delete = ON");
  if (options.checkpoints === false) sqlite.run("PRAGMA wal_autocheckpoint = 0");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db;
}

/**
 * Closes the connection after moving the whole WAL into the database file and truncating it: the WAL keeps
 * old page images (erased texts among them) until overwritten, and a close that SQLite has to defer (a
 * statement still prepared) would leave it whole. The last connection to close leaves no WAL at all.
 */
export function closeDatabase(db: Database): void {
  try {
    db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch {
    // Busy (another process writing) or already broken: closing is all that is left to do.
  }
  db.$client.close();
}
