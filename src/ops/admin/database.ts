import { existsSync } from "node:fs";
import type { DatabaseConfig } from "../../config-database";
import { closeDatabase, type Database, openDatabase } from "../../db/client";

export class MissingDatabaseError extends Error {
  constructor(readonly path: string) {
    super(`no database at ${path} (check DATABASE_PATH)`);
    this.name = "MissingDatabaseError";
  }
}

/** An admin command runs one statement at a time: two connections are plenty beside the replicas' pools. */
const ADMIN_POOL_SIZE = 2;

/**
 * Opens the app's database (PostgreSQL when DATABASE_URL is set), migrated as the app would; a mistyped
 * path is an error, never a new empty file that the next app start would take for a fresh install.
 */
export async function withDatabase<T>(
  database: DatabaseConfig,
  work: (db: Database) => Promise<T> | T,
): Promise<T> {
  if (database.dialect === "sqlite" && !existsSync(database.path))
    throw new MissingDatabaseError(database.path);
  const db = await openDatabase(database, { poolSize: ADMIN_POOL_SIZE });
  try {
    return await work(db);
  } finally {
    await closeDatabase(db);
  }
}
