import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { onPostgres } from "./database";
import { freshDatabase, hasPostgres } from "./postgres";

export type Dialect = "sqlite" | "postgres";

/** One database that several app processes share, as the environment each process is started with. */
export type SharedDatabase = {
  /** Merged over a process's environment: DATABASE_PATH on SQLite, DATABASE_URL on PostgreSQL. */
  env: Record<string, string>;
  /** What the tests call it in their names and messages. */
  name: string;
  /** The process ids holding a lease on a job now (the engine's owner is host/pid/start/nonce). */
  leaseHolders(): Promise<number[]>;
  drop(): Promise<void>;
};

export const DIALECT_NAMES: Readonly<Record<Dialect, string>> = { sqlite: "SQLite", postgres: "PostgreSQL" };

/**
 * The databases the replica tests run on: both in plain `bun test` (the issue asks for them on PostgreSQL
 * too), PostgreSQL alone in the PostgreSQL pass, which would otherwise run the SQLite half a second time.
 */
export const REPLICA_DIALECTS: readonly Dialect[] = onPostgres ? ["postgres"] : ["sqlite", "postgres"];

/** Whether this machine can run the dialect (PostgreSQL's pass is skipped, loudly, without it). */
export const canRun = (dialect: Dialect): boolean => dialect === "sqlite" || hasPostgres;

const LEASE_HOLDERS = "SELECT DISTINCT locked_by AS owner FROM jobs WHERE state = 'running'";

function pidsOf(rows: { owner: string | null }[]): number[] {
  return rows.map((row) => Number(row.owner?.split("/")[1]));
}

/**
 * An empty database for several app processes: a fresh SQLite file in a temp dir, or an empty (not even
 * migrated) database on the test cluster: the first replicas to start create the schema.
 */
export async function sharedDatabaseOn(dialect: Dialect): Promise<SharedDatabase> {
  if (dialect === "postgres") {
    const fresh = await freshDatabase({ migrated: false });
    const watcher = new SQL(fresh.url, { max: 1 });
    return {
      env: { DATABASE_URL: fresh.url },
      name: DIALECT_NAMES.postgres,
      leaseHolders: async () => pidsOf(await watcher.unsafe(LEASE_HOLDERS)),
      async drop() {
        await watcher.close();
        await fresh.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "smstweet-replicas-"));
  const path = join(dir, "app.db");
  return {
    env: { DATABASE_PATH: path },
    name: DIALECT_NAMES.sqlite,
    async leaseHolders() {
      const db = new Database(path, { readonly: true });
      try {
        return pidsOf(db.query(LEASE_HOLDERS).all() as { owner: string | null }[]);
      } finally {
        db.close();
      }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
