import { Database as Sqlite } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { SqliteDatabase } from "./handle";
import { tableCounts } from "./reports";
import * as schema from "./schema";
import { all, BUSY_WAIT_MS, run } from "./sql";
import { Turn } from "./turn";

/**
 * The SQLite file itself, for the operator's backup and restore (SQLite only: on PostgreSQL those are
 * pg_dump and pg_restore). Nothing outside `src/db/` touches a connection.
 */

/** A database file opened as it is, without migrating or creating it: what backup and restore inspect. */
export function openFile(path: string, readonly: boolean): SqliteDatabase {
  const sqlite = new Sqlite(
    path,
    readonly ? { readonly: true, strict: true } : { readwrite: true, strict: true },
  );
  // One-shot tools with nothing else on their event loop: waiting in SQLite's busy handler is fine here.
  sqlite.run(`PRAGMA busy_timeout = ${BUSY_WAIT_MS}`);
  const orm = drizzle(sqlite, { schema });
  return {
    dialect: "sqlite",
    role: "root",
    conn: { client: sqlite, orm, turn: new Turn(), statements: new Map() },
  };
}

/** Closes a file opened by `openFile`, without the app's checkpoint. */
export function closeFile(db: SqliteDatabase): void {
  for (const statement of db.conn.statements.values()) statement.finalize();
  db.conn.client.close();
}

/** A consistent copy of the whole database at `target` (`VACUUM INTO` reads one snapshot). */
export async function copyInto(db: SqliteDatabase, target: string): Promise<void> {
  await run(db, "VACUUM INTO ?1", target);
}

export type FileCheck = { ok: true; rows: Record<string, number> } | { ok: false; problem: string };

/** `PRAGMA integrity_check`, and that the file is smstweet's (it has the migrations' table and `jobs`). */
export async function checkFile(db: SqliteDatabase): Promise<FileCheck> {
  let result: string[];
  try {
    result = (await all<{ integrity_check: string }>(db, "PRAGMA integrity_check")).map(
      (row) => row.integrity_check,
    );
  } catch (error) {
    return { ok: false, problem: `not a readable SQLite database (${String(error)})` };
  }
  if (result.join() !== "ok")
    return { ok: false, problem: `integrity check failed: ${result.slice(0, 3).join("; ")}` };
  const rows = await tableCounts(db);
  if (!("jobs" in rows && "__drizzle_migrations" in rows)) {
    return { ok: false, problem: "not a smstweet database (no jobs or migrations table)" };
  }
  return { ok: true, rows };
}
