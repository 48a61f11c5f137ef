import type { Database } from "bun:sqlite";

/**
 * Rows in every table of ours, by table (the app's own SQLite connection, or a read-only one on its file):
 * "nothing was stored" is these counts unchanged. Housekeeping's own jobs are left out: the worker
 * schedules them on a timer, whatever requests arrive.
 */
export function rowCounts(db: Database): Record<string, number> {
  const tables = db
    .query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string }[];
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const where = name === "jobs" ? " WHERE kind <> 'housekeeping'" : "";
    const row = db.query(`SELECT count(*) AS n FROM "${name}"${where}`).get() as { n: number };
    counts[name] = row.n;
  }
  return counts;
}
