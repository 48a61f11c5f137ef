import { Database as Sqlite } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { Database } from "../../db/client";
import { tableCounts } from "../../db/reports";
import * as schema from "../../db/schema";

/** A database file opened as it is, without migrating or creating it: what backup and restore inspect. */
export function openFile(path: string, readonly: boolean): Database {
  const sqlite = new Sqlite(
    path,
    readonly ? { readonly: true, strict: true } : { readwrite: true, strict: true },
  );
  sqlite.run("PRAGMA busy_timeout = 5000");
  return Object.assign(drizzle(sqlite, { schema }), { $client: sqlite });
}

export type FileCheck = { ok: true; rows: Record<string, number> } | { ok: false; problem: string };

/** `PRAGMA integrity_check`, and that the file is smstweet's (it has the migrations' table and `jobs`). */
export function checkFile(db: Database): FileCheck {
  let result: string[];
  try {
    result = (db.$client.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map(
      (row) => row.integrity_check,
    );
  } catch (error) {
    return { ok: false, problem: `not a readable SQLite database (${String(error)})` };
  }
  if (result.join() !== "ok")
    return { ok: false, problem: `integrity check failed: ${result.slice(0, 3).join("; ")}` };
  const rows = tableCounts(db);
  if (!("jobs" in rows && "__drizzle_migrations" in rows)) {
    return { ok: false, problem: "not a smstweet database (no jobs or migrations table)" };
  }
  return { ok: true, rows };
}
