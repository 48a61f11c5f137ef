import type { SQLQueryBindings, Statement } from "bun:sqlite";
import { type Connection, type Orm, openTxOf, type Writer } from "./handle";

/**
 * The one executor of raw SQL (and of Drizzle builders) in `src/db/`: everything waits for the
 * connection's turn unless it runs inside the transaction that holds it. Statements are prepared once per
 * connection, so the hot paths skip building and compiling SQL each time.
 */

type Param = SQLQueryBindings;

/** How long a statement outside a transaction waits for another connection's write lock. */
export const BUSY_WAIT_MS = 5_000;

function statement(conn: Connection, text: string): Statement {
  let prepared = conn.statements.get(text);
  if (!prepared) {
    prepared = conn.client.prepare(text);
    conn.statements.set(text, prepared);
  }
  return prepared;
}

/** The write lock is held by another connection right now. */
export function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_BUSY";
}

/**
 * Runs `step` on the connection in its turn (or in the open transaction that holds it). Not an async
 * function, and `step` runs at once when it can: on SQLite every await inside a transaction lets other
 * ready work of this thread run while the write lock is held, so each statement costs one await, no more.
 */
function inTurn<T>(w: Writer, step: (conn: Connection) => T | Promise<T>): Promise<T> {
  const { conn } = w;
  let inTx: boolean;
  try {
    inTx = openTxOf(w) !== null;
  } catch (error) {
    return Promise.reject(error);
  }
  if (inTx || conn.turn.tryTake()) {
    let result: T | Promise<T>;
    try {
      result = step(conn);
    } catch (error) {
      if (inTx) return Promise.reject(error);
      conn.turn.release();
      if (!isBusy(error)) return Promise.reject(error);
      return afterTurn(
        conn,
        takeTurnFor(conn, () => step(conn)),
      );
    }
    if (inTx) return Promise.resolve(result);
    if (!(result instanceof Promise)) {
      conn.turn.release();
      return Promise.resolve(result);
    }
    return result.then(
      (value) => {
        conn.turn.release();
        return value;
      },
      (error: unknown) => {
        conn.turn.release();
        if (!isBusy(error)) throw error;
        return afterTurn(
          conn,
          takeTurnFor(conn, () => step(conn)),
        );
      },
    );
  }
  return afterTurn(
    conn,
    takeTurnFor(conn, () => step(conn)),
  );
}

/** Gives the turn back once `running` (which holds it) settles. */
function afterTurn<T>(conn: Connection, running: Promise<T>): Promise<T> {
  return running.finally(() => conn.turn.release());
}

/**
 * Takes the connection's turn and runs `attempt` in it; resolves still holding the turn (the caller gives
 * it back). The connection never sleeps in SQLite's busy handler, which would stall its event loop: while
 * another connection holds the write lock, the turn is given back (reads and other work on this connection
 * go on) and `attempt` is tried again on a later turn of the event loop, for at most `maxWaitMs`.
 */
export async function takeTurnFor<T>(
  conn: Connection,
  attempt: () => T | PromiseLike<T>,
  maxWaitMs = BUSY_WAIT_MS,
): Promise<T> {
  const since = Date.now();
  for (;;) {
    if (!conn.turn.tryTake()) await conn.turn.take();
    try {
      return await attempt();
    } catch (error) {
      conn.turn.release();
      if (!isBusy(error) || Date.now() - since > maxWaitMs) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export function all<T>(w: Writer, text: string, ...params: Param[]): Promise<T[]> {
  return inTurn(w, (conn) => statement(conn, text).all(...params) as T[]);
}

export function get<T>(w: Writer, text: string, ...params: Param[]): Promise<T | null> {
  return inTurn(w, (conn) => statement(conn, text).get(...params) as T | null);
}

export function run(w: Writer, text: string, ...params: Param[]): Promise<{ changes: number }> {
  return inTurn(w, (conn) => ({ changes: statement(conn, text).run(...params).changes }));
}

/** A Drizzle builder, run in the caller's turn: `query(db, (orm) => orm.select().from(t))`. */
export function query<T>(w: Writer, build: (orm: Orm) => { execute(): Promise<T> }): Promise<T> {
  return inTurn(w, (conn) => build(conn.orm).execute());
}
