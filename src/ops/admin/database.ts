import { existsSync } from "node:fs";
import type { DatabaseConfig } from "../../config-database";
import { closeDatabase, type Database, openDatabase } from "../../db/client";

export class MissingDatabaseError extends Error {
  constructor(readonly path: string) {
    super(`no database at ${path} (check DATABASE_PATH)`);
    this.name = "MissingDatabaseError";
  }
}

/**
 * Opens the app's database, migrated as the app would; a mistyped path is an error, never a new empty
 * file that the next app start would take for a fresh install.
 */
export async function withDatabase<T>(
  database: DatabaseConfig,
  work: (db: Database) => Promise<T> | T,
): Promise<T> {
  if (database.dialect === "postgres") throw new Error("PostgreSQL: not yet");
  const { path } = database;
  if (!existsSync(path)) throw new MissingDatabaseError(path);
  const db = await openDatabase(path);
  try {
    return await work(db);
  } finally {
    await closeDatabase(db);
  }
}
