import type { Database as Sqlite, Statement } from "bun:sqlite";
import { AsyncLocalStorage } from "node:async_hooks";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import type * as schema from "./schema";
import type { Turn } from "./turn";

/**
 * The handles callers pass around. Opaque outside `src/db/`: a PostgreSQL variant is another `dialect`
 * here, and no caller changes.
 */

export type Orm = BunSQLiteDatabase<typeof schema>;

/** One SQLite connection with what belongs to it: its turn and its prepared statements. */
export type Connection = {
  readonly client: Sqlite;
  readonly orm: Orm;
  readonly turn: Turn;
  readonly statements: Map<string, Statement>;
};

/** The root handle: safe to use from anywhere, each call waits for its turn on the connection. */
export type Database = { readonly dialect: "sqlite"; readonly role: "root"; readonly conn: Connection };

/** Inside `transact`: statements run in the open transaction (or savepoint). */
export type Tx = {
  readonly dialect: "sqlite";
  readonly role: "tx";
  readonly conn: Connection;
  readonly depth: number;
  open: boolean;
};

/** What most db functions take: the root handle or a transaction. */
export type Writer = Database | Tx;

/** The transaction whose work is running in this async context, if any. */
export const activeTx = new AsyncLocalStorage<Tx>();

/**
 * The open transaction to run in, or null for the root (take a turn). A root handle used inside a
 * transaction's own work joins it, as it did when both were the one synchronous connection: waiting for
 * the turn there would wait for itself.
 */
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
