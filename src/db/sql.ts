import type { SQLQueryBindings, Statement } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sql";
import {
  type Connection,
  type Orm,
  openTxOf,
  type PgConnection,
  type PgOrm,
  type PgTx,
  type SqliteDatabase,
  type SqliteTx,
  type Writer,
} from "./handle";
import * as schema from "./schema";
import * as pgSchema from "./schema.pg";

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
function inTurn<T>(w: SqliteDatabase | SqliteTx, step: (conn: Connection) => T | Promise<T>): Promise<T> {
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
  if (w.dialect === "postgres") return pgRows(w, text, params) as Promise<T[]>;
  return inTurn(w, (conn) => statement(conn, text).all(...params) as T[]);
}

export function get<T>(w: Writer, text: string, ...params: Param[]): Promise<T | null> {
  if (w.dialect === "postgres") return pgRows(w, text, params).then((rows) => (rows[0] as T) ?? null);
  return inTurn(w, (conn) => statement(conn, text).get(...params) as T | null);
}

export function run(w: Writer, text: string, ...params: Param[]): Promise<{ changes: number }> {
  if (w.dialect === "postgres")
    return pgCommand(w, text, params).then((result) => ({ changes: result.count }));
  return inTurn(w, (conn) => ({ changes: statement(conn, text).run(...params).changes }));
}

/** For the rare construct that differs (a planner hint): the module that owns the statement picks. */
export type Dialect = Writer["dialect"];

/** The tables a builder names; on PostgreSQL the same names from `schema.pg.ts`. */
export type Tables = typeof schema;

/**
 * A Drizzle builder, run in the caller's turn: `query(db, (orm, t) => orm.select().from(t.texters))`.
 * Builders name tables through `t`, never by import: on PostgreSQL `orm` and `t` are PostgreSQL's. They are
 * typed as SQLite's because Drizzle has no dialect-neutral table or builder type; the two schemas have
 * the same tables, columns and result shapes (test/db/schema-drift.test.ts fails when they part), so the
 * cast holds, and it stays inside `src/db/`.
 */
export function query<T>(
  w: Writer,
  build: (orm: Orm, t: Tables, dialect: Dialect) => { execute(): Promise<T> },
): Promise<T> {
  if (w.dialect === "postgres") {
    let orm: PgOrm;
    try {
      const tx = openTxOf(w);
      orm = tx ? txOrm(tx) : w.conn.orm;
    } catch (error) {
      return Promise.reject(error);
    }
    // A raw `sql<number>` field (min(), count(*)) has no column to decode it: int8 arrives as bigint.
    return build(orm as unknown as Orm, PG_TABLES, "postgres")
      .execute()
      .then((result) => {
        if (Array.isArray(result))
          for (const row of result) if (typeof row === "object" && row) numbersOf(row);
        return result;
      });
  }
  return inTurn(w, (conn) => build(conn.orm, SQLITE_TABLES, "sqlite").execute());
}

const SQLITE_TABLES: Tables = schema;
const PG_TABLES = pgSchema as unknown as Tables;

function txOrm(tx: PgTx): PgOrm {
  tx.orm ??= drizzle({ client: tx.session, schema: pgSchema });
  return tx.orm;
}

/**
 * PostgreSQL's executor: the pool (root) or the transaction's own connection. SQLite's `?N` placeholders
 * become `$N` once per statement text; int8 arrives as bigint (the pool asks for it, so that an int8 is
 * never confused with text) and leaves as a number: every int8 here (times in ms, ids, counts) is far
 * below 2^53.
 */
function pgCommand(
  w: Extract<Writer, { dialect: "postgres" }>,
  text: string,
  params: Param[],
): Promise<PgResult> {
  let session: PgTx["session"];
  try {
    session = openTxOf(w)?.session ?? w.conn.client;
  } catch (error) {
    return Promise.reject(error);
  }
  return session.unsafe(pgText(w.conn, text), params.map(pgParam)) as Promise<PgResult>;
}

type PgResult = Record<string, unknown>[] & { count: number };

async function pgRows(
  w: Extract<Writer, { dialect: "postgres" }>,
  text: string,
  params: Param[],
): Promise<Record<string, unknown>[]> {
  const result = await pgCommand(w, text, params);
  const rows = new Array<Record<string, unknown>>(result.length);
  for (let i = 0; i < result.length; i++) rows[i] = numbersOf(result[i] as Record<string, unknown>);
  return rows;
}

function numbersOf(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    const value = row[key];
    if (typeof value === "bigint") row[key] = Number(value);
  }
  return row;
}

/**
 * A JSON column's value as a parameter: SQLite stores the text; PostgreSQL's jsonb takes the value itself
 * (Bun's client encodes it; given text it would store a JSON string).
 */
export function jsonParam(w: Writer, value: unknown): Param {
  return (w.dialect === "postgres" ? value : JSON.stringify(value)) as Param;
}

function pgParam(value: Param): unknown {
  return value === undefined ? null : value;
}

/**
 * `?N` → `$N`, bare `?` → the next `$N`; quoted text is left alone. (So no statement here may use jsonb's
 * `?` operators: write `jsonb_exists()` instead.)
 */
export function pgText(conn: PgConnection, text: string): string {
  let translated = conn.texts.get(text);
  if (translated === undefined) {
    let next = 0;
    translated = text.replace(/'(?:[^']|'')*'|"(?:[^"])*"|\?(\d*)/g, (match, digits: string | undefined) => {
      if (digits === undefined) return match;
      if (digits === "") return `$${++next}`;
      return `$${digits}`;
    });
    conn.texts.set(text, translated);
  }
  return translated;
}
