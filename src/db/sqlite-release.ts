import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "./handle";
import { all } from "./sql";

/**
 * Which release's migrations a SQLite file carries, compared with this release's: a tool that reads every
 * table (copy-to-postgres) must refuse a file whose columns it does not know, and say which way it differs.
 */

const JOURNAL = join(import.meta.dir, "../../drizzle/meta/_journal.json");

type Journal = { entries: { tag: string; when: number }[] };

export type MigrationState =
  | { kind: "current"; last: string }
  | { kind: "older"; last: string | null; missing: string[] }
  | { kind: "newer"; unknown: number };

export async function migrationState(db: Database): Promise<MigrationState> {
  const { entries } = JSON.parse(readFileSync(JOURNAL, "utf8")) as Journal;
  // Drizzle's migrator stores each applied migration's folder time (the journal's `when`) as created_at.
  const applied = new Set(
    (await all<{ createdAt: number }>(db, "SELECT created_at AS createdAt FROM __drizzle_migrations")).map(
      (row) => Number(row.createdAt),
    ),
  );
  const known = new Set(entries.map((entry) => entry.when));
  const unknown = [...applied].filter((when) => !known.has(when)).length;
  if (unknown > 0) return { kind: "newer", unknown };
  const missing = entries.filter((entry) => !applied.has(entry.when)).map((entry) => entry.tag);
  const last = entries.filter((entry) => applied.has(entry.when)).at(-1)?.tag ?? null;
  if (missing.length > 0) return { kind: "older", last, missing };
  return { kind: "current", last: last ?? "" };
}
