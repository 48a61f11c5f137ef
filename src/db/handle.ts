import type { Database as Sqlite, Statement } from "bun:sqlite";
import { AsyncLocalStorage } from "node:async_hooks";
import type { SQL } from "bun";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import type * as schema from "./schema";
import type * as pgSchema from "./schema.pg";
import type { Turn } from "./turn";

/**
 * The handles callers pass around. Opaque outside `src/db/`: each dialect is a variant here, and no caller
 * knows which one it holds.
 */

export type Orm = BunSQLiteDatabase<typeof schema>;
export type PgOrm = BunSQLDatabase<typeof pgSchema>;

/** One SQLite connection with what belongs to it: its turn and its prepared statements. */
export type Connection = {
  readonly client: Sqlite;
  readonly orm: Orm;
  readonly turn: Turn;
  readonly statements: Map<string, Statement>;
};

/**
 * A PostgreSQL pool. No turn: every root call takes a pool connection of its own, and a transaction
 * reserves one for its whole life. `texts` caches each statement text translated to `$N` placeholders.
 */
export type PgConnection = {
  readonly client: SQL;
  readonly orm: PgOrm;
  readonly texts: Map<string, string>;
};

export type SqliteDatabase = { readonly dialect: "sqlite"; readonly role: "root"; readonly conn: Connection };
export type PgDatabase = { readonly dialect: "postgres"; readonly role: "root"; readonly conn: PgConnection };

/** The root handle: safe to use from anywhere. */
export type Database = SqliteDatabase | PgDatabase;

/** Inside `transact`: statements run in the open transaction (or savepoint). */
export type SqliteTx = {
  readonly dialect: "sqlite";
  readonly role: "tx";
  readonly conn: Connection;
  readonly depth: number;
  open: boolean;
};

export type PgTx = {
  readonly dialect: "postgres";
  readonly role: "tx";
  readonly conn: PgConnection;
  /** The transaction's own connection (Bun SQL's `begin`), and Drizzle over it, built on first use. */
  readonly session: SQL;
  orm: PgOrm | undefined;
  readonly depth: number;
  open: boolean;
};

export type Tx = SqliteTx | PgTx;

/** What most db functions take: the root handle or a transaction. */
export type Writer = Database | Tx;

/** The transaction whose work is running in this async context, if any. */
export const activeTx = new AsyncLocalStorage<Tx>();

/**
 * The open transaction to run in, or null for the root. A root handle used inside a transaction's own work
 * joins it: on SQLite waiting for the turn there would wait for itself; on PostgreSQL it would wait for a
 * second pool connection, which deadlocks once every connection is held by such a transaction.
 */
export function openTxOf<W extends Writer>(w: W): Extract<Tx, { dialect: W["dialect"] }> | null;
export function openTxOf(w: Writer): Tx | null {
  if (w.role === "tx") {
    if (!w.open) throw new ClosedTransactionError();
    return w;
  }
  const current = activeTx.getStore();
  return current?.open && current.conn === w.conn ? current : null;
}

export class ClosedTransactionError extends Error {
  override name = "ClosedTransactionError";
  constructor() {
    super("a transaction handle was used after its transaction ended");
  }
}
