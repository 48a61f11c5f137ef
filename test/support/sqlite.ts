import type { Database as Sqlite } from "bun:sqlite";
import type { Database } from "../../src/db/client";

/**
 * The SQLite connection behind a handle, for tests that look at or break the file directly (triggers,
 * pragmas, row counts). Such a statement skips the connection's turn: use it only while the app has no
 * transaction of its own open, as the tests did before the data layer became async.
 */
export function sqliteOf(db: Database): Sqlite {
  if (db.dialect !== "sqlite")
    throw new Error('sqliteOf: this test reaches SQLite directly; name it "on SQLite"');
  return db.conn.client;
}
