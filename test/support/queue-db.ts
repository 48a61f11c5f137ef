import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseConfig } from "../../src/config-database";
import { closeDatabase, type Database, openDatabase } from "../../src/db/client";
import type { JobState } from "../../src/db/schema";
import { all } from "../../src/db/sql";
import { TEST_DB } from "./database";
import { freshDatabase } from "./postgres";

/**
 * Databases for the engine's own tests: a SQLite file, or a fresh PostgreSQL database, per `SMSTWEET_TEST_DB`
 * (or as asked). `open()` gives another connection (pool) to the same one, as a second process would have.
 */
export type QueueDatabase = {
  dialect: "sqlite" | "postgres";
  config: DatabaseConfig;
  open(): Promise<Database>;
  drop(): Promise<void>;
};

export async function queueDatabase(dialect: "sqlite" | "postgres" = TEST_DB): Promise<QueueDatabase> {
  const opened: Database[] = [];
  let config: DatabaseConfig;
  let remove: () => Promise<void>;
  if (dialect === "postgres") {
    const fresh = await freshDatabase();
    config = { dialect: "postgres", url: fresh.url, poolSize: 4 };
    remove = () => fresh.drop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), "smstweet-engine-"));
    config = { dialect: "sqlite", path: join(dir, "jobs.db") };
    remove = async () => rmSync(dir, { recursive: true, force: true });
  }
  return {
    dialect,
    config,
    async open() {
      const db = await openDatabase(config);
      opened.push(db);
      return db;
    },
    async drop() {
      for (const db of opened.splice(0)) await closeDatabase(db).catch(() => {});
      await remove();
    },
  };
}

export type JobRowView = {
  id: number;
  kind: string;
  lane: string | null;
  state: JobState;
  runAt: number;
  attempts: number;
  faults: number;
  lastError: string | null;
  lockedBy: string | null;
};

/** Every job of a kind (every job when left out), oldest first, on either database. */
export function jobRows(db: Database, kind?: string): Promise<JobRowView[]> {
  return all<JobRowView>(
    db,
    `SELECT id, kind, lane, state, run_at AS "runAt", attempts, faults, last_error AS "lastError",
      locked_by AS "lockedBy" FROM jobs WHERE CAST(?1 AS TEXT) IS NULL OR kind = ?1 ORDER BY id`,
    kind ?? null,
  );
}
