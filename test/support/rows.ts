import type { Database, Statement } from "bun:sqlite";
import type { Database as AppDatabase } from "../../src/db/client";
import { all, get } from "../../src/db/sql";

const counting = new WeakMap<Database, Statement>();

/**
 * Rows in every table of ours, by table (the app's own SQLite connection, or a read-only one on its file):
 * "nothing was stored" is these counts unchanged. Housekeeping's own jobs are left out: the worker
 * schedules them on a timer, whatever requests arrive.
 */
export function rowCounts(db: Database): Record<string, number> {
  let statement = counting.get(db);
  if (!statement) {
    const tables = db
      .query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as { name: string }[];
    // One statement for all of them: the fuzz counts before and after each of its thousands of requests.
    const columns = tables.map(({ name }) => {
      const where = name === "jobs" ? " WHERE kind <> 'housekeeping'" : "";
      return `(SELECT count(*) FROM "${name}"${where}) AS "${name}"`;
    });
    statement = db.prepare(`SELECT ${columns.join(", ")}`);
    counting.set(db, statement);
  }
  return statement.get() as Record<string, number>;
}

const listing = new WeakMap<AppDatabase, string>();

/** `rowCounts` through the app's own handle, on either database. */
export async function tableRows(db: AppDatabase): Promise<Record<string, number>> {
  let text = listing.get(db);
  if (text === undefined) {
    const tables = await all<{ name: string }>(
      db,
      db.dialect === "postgres"
        ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    const columns = tables.map(({ name }) => {
      const where = name === "jobs" ? " WHERE kind <> 'housekeeping'" : "";
      return `(SELECT count(*) FROM "${name}"${where}) AS "${name}"`;
    });
    text = `SELECT ${columns.join(", ")}`;
    listing.set(db, text);
  }
  return (await get<Record<string, number>>(db, text)) ?? {};
}
