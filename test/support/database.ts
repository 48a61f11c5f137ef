import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One database that several app processes share, as the environment each process is started with. */
export type SharedDatabase = {
  /** Merged over a process's environment: DATABASE_PATH now; DATABASE_URL once replicas run on PostgreSQL. */
  env: Record<string, string>;
  /** What the tests call it in their names and messages. */
  name: string;
  /** The process ids holding a lease on a job now (the engine's owner is host/pid/start/nonce). */
  leaseHolders(): number[];
  drop(): void;
};

/**
 * The one place that says which database replica tests run on. On SQLite: a fresh file in a temp dir,
 * which every process opens (leases in the database keep them apart). A PostgreSQL pass swaps this for an
 * empty database on the test cluster, and the tests stay as they are.
 */
export function sharedDatabase(): SharedDatabase {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-replicas-"));
  const path = join(dir, "app.db");
  return {
    env: { DATABASE_PATH: path },
    name: "SQLite",
    leaseHolders() {
      const db = new Database(path, { readonly: true });
      try {
        const rows = db
          .query("SELECT DISTINCT locked_by AS owner FROM jobs WHERE state = 'running'")
          .all() as { owner: string | null }[];
        return rows.map((row) => Number(row.owner?.split("/")[1]));
      } finally {
        db.close();
      }
    },
    drop: () => rmSync(dir, { recursive: true, force: true }),
  };
}
