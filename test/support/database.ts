import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseConfig } from "../../src/config-database";
import { type FreshDatabase, freshDatabase } from "./postgres";

/**
 * Which database this `bun test` process runs the app on: `SMSTWEET_TEST_DB=postgres` runs the whole suite
 * on PostgreSQL (each test service on a fresh database of the test cluster), anything else on SQLite.
 */
export const TEST_DB: "sqlite" | "postgres" =
  process.env.SMSTWEET_TEST_DB === "postgres" ? "postgres" : "sqlite";

/** For tests that only make sense on one database: `it.skipIf(!onSqlite)("should … on SQLite", …)`. */
export const onSqlite: boolean = TEST_DB === "sqlite";
export const onPostgres: boolean = TEST_DB === "postgres";

const byPath = new Map<string, Promise<FreshDatabase>>();

/**
 * The database a test service at `path` uses. Tests name a service's data by its SQLite path (and restart
 * a service on the same path); on PostgreSQL the path names a fresh database of its own, the same one each
 * time, so a restart finds its data.
 */
export async function databaseAt(path: string): Promise<DatabaseConfig> {
  if (TEST_DB === "sqlite") return { dialect: "sqlite", path };
  let fresh = byPath.get(path);
  if (fresh === undefined) {
    fresh = freshDatabase();
    byPath.set(path, fresh);
  }
  return { dialect: "postgres", url: (await fresh).url, poolSize: 10 };
}

/**
 * An app process's environment on the database of this pass: on PostgreSQL a production process given a
 * DATABASE_PATH gets DATABASE_URL instead, naming that path's database (`databaseAt`), so processes that
 * share a path share a database, and one restarted on it finds its data. The sandbox keeps its file (it
 * refuses DATABASE_URL).
 */
export async function onTestDatabase(env: Record<string, string>): Promise<Record<string, string>> {
  const { DATABASE_PATH: path, ...rest } = env;
  if (TEST_DB !== "postgres" || path === undefined || env.DATABASE_URL || !env.TWILIO_ACCOUNT_SID) return env;
  const target = await databaseAt(path);
  return target.dialect === "postgres" ? { ...rest, DATABASE_URL: target.url } : env;
}

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
