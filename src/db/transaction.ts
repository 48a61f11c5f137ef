import type { Statement } from "bun:sqlite";
import type { Database } from "./client";

/**
 * What a unit of work writes through. On bun:sqlite it is the database itself: a transaction is a
 * synchronous block on the one connection (no awaits inside), so every statement in it belongs to it.
 */
export type Tx = Database;

/** Anything that can run a write: the database, inside or outside `transact`. */
export type Writer = Database;

/**
 * `durable`: the commit is on disk before `transact` returns (an fsync). `relaxed`: it reaches the disk with
 * the next durable commit or checkpoint; a power cut (not a crash of the process) can lose it.
 */
export type Durability = "durable" | "relaxed";

/**
 * Runs `work` as one transaction, taking the write lock up front (BEGIN IMMEDIATE): a deferred
 * transaction that reads first could not upgrade while another process writes, and would fail
 * rather than wait. Nested calls become savepoints.
 */
export function transact<T>(db: Database, work: (tx: Tx) => T, durability: Durability = "durable"): T {
  const client = db.$client;
  if (durability === "durable" || client.inTransaction) return client.transaction(() => work(db)).immediate();
  // WAL keeps commits in order: the next durable commit makes this one durable too.
  client.run("PRAGMA synchronous = NORMAL");
  try {
    return client.transaction(() => work(db)).immediate();
  } finally {
    client.run("PRAGMA synchronous = FULL");
  }
}

const STORAGE_FAILURES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CORRUPT|READONLY|CANTOPEN|NOMEM|NOTADB)/;

/**
 * True when `error` is the database failing (disk full, I/O error, locked), not the statement's fault;
 * or when the transaction it happened in is gone (SQLite rolls some of those back by itself).
 */
export function isStorageFailure(db: Database, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === "string" && STORAGE_FAILURES.test(code)) || !db.$client.inTransaction;
}

/** The write lock is held by another connection right now. */
export function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_BUSY";
}

/** BUSY_TIMEOUT of `openDatabase`: how long a statement waits for another connection's write lock. */
const BUSY_TIMEOUT_MS = 5_000;

/** Runs `work` with SQLite failing at once (SQLITE_BUSY) instead of sleeping when the lock is taken. */
export function withoutWaiting<T>(db: Database, work: () => T): T {
  db.$client.run("PRAGMA busy_timeout = 0");
  try {
    return work();
  } finally {
    db.$client.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

const cache = new WeakMap<Database, Map<string, Statement>>();

/** A statement prepared once per connection: the hot paths skip building and compiling SQL each time. */
export function prepared(db: Database, text: string): Statement {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let statement = statements.get(text);
  if (!statement) {
    statement = db.$client.prepare(text);
    statements.set(text, statement);
  }
  return statement;
}

/**
 * `transact` for a request handler on the webhook's event loop: it never sleeps in SQLite's busy handler
 * (that would stall every request on the loop) but tries again on a later turn while another connection
 * holds the write lock, for at most `maxWaitMs`; then the BUSY error is thrown.
 */
export async function transactWhenFree<T>(
  db: Database,
  work: (tx: Tx) => T,
  durability: Durability,
  maxWaitMs = BUSY_TIMEOUT_MS,
): Promise<T> {
  const since = Date.now();
  for (;;) {
    try {
      return withoutWaiting(db, () => transact(db, work, durability));
    } catch (error) {
      if (!isBusy(error) || Date.now() - since > maxWaitMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
