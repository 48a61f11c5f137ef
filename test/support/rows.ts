import type { Database, Statement } from "bun:sqlite";

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
