import {
  activeTx,
  openTxOf,
  type PgDatabase,
  type PgTx,
  type SqliteDatabase,
  type SqliteTx,
  type Tx,
  type Writer,
} from "./handle";
import { takeTurnFor } from "./sql";

export type { Tx, Writer } from "./handle";
export { isBusy } from "./sql";

/**
 * `durable`: the commit is on disk before `transact` returns (an fsync). `relaxed`: it reaches the disk with
 * the next durable commit or checkpoint; a power cut (not a crash of the process) can lose it. On
 * PostgreSQL `relaxed` is `synchronous_commit = off`: a crash of the server (not of this process) can lose
 * the last few hundred milliseconds of such commits, the same promise as SQLite's NORMAL.
 */
export type Durability = "durable" | "relaxed";

/**
 * Runs `work` as one transaction on the connection's turn, so no other caller's statement lands between
 * its awaits; `work` awaits only database calls (never X, Twilio or timers: the turn is everyone's).
 * The write lock is taken up front (BEGIN IMMEDIATE): a deferred transaction that reads first could not
 * upgrade while another process writes. While another connection holds it, the turn is given back and
 * BEGIN tried again on a later turn of the event loop (never sleeping in SQLite's busy handler, which would
 * stall every request on the loop), for at most `maxWaitMs`; then the BUSY error is thrown. Nested calls
 * become savepoints.
 */
export async function transact<T>(
  w: Writer,
  work: (tx: Tx) => Promise<T>,
  durability: Durability = "durable",
  maxWaitMs?: number,
): Promise<T> {
  if (w.dialect === "postgres") return transactPg(w, work, durability);
  const open = openTxOf(w);
  if (open !== null) return savepoint(open, work);
  const { turn, client } = w.conn;
  // WAL keeps commits in order: the next durable commit makes a relaxed one durable too.
  const relaxed = durability === "relaxed";
  await takeTurnFor(
    w.conn,
    () => {
      if (relaxed) client.run("PRAGMA synchronous = NORMAL");
      try {
        client.run("BEGIN IMMEDIATE");
      } catch (error) {
        if (relaxed) client.run("PRAGMA synchronous = FULL");
        throw error;
      }
    },
    maxWaitMs,
  );
  try {
    return await inside(w as SqliteDatabase, 1, work, ["COMMIT"], ["ROLLBACK"]);
  } finally {
    if (relaxed) client.run("PRAGMA synchronous = FULL");
    turn.release();
  }
}

function savepoint<T>(tx: SqliteTx, work: (tx: Tx) => Promise<T>): Promise<T> {
  const name = `sp${tx.depth}`;
  tx.conn.client.run(`SAVEPOINT ${name}`);
  return inside(tx, tx.depth + 1, work, [`RELEASE ${name}`], [`ROLLBACK TO ${name}`, `RELEASE ${name}`]);
}

async function inside<T>(
  w: SqliteDatabase | SqliteTx,
  depth: number,
  work: (tx: Tx) => Promise<T>,
  commit: readonly string[],
  rollback: readonly string[],
): Promise<T> {
  const { client } = w.conn;
  const tx: SqliteTx = { dialect: "sqlite", role: "tx", conn: w.conn, depth, open: true };
  try {
    const result = await activeTx.run(tx, () => work(tx));
    tx.open = false;
    for (const statement of commit) client.run(statement);
    return result;
  } catch (error) {
    tx.open = false;
    // SQLite rolls some failures (disk full, I/O error) back by itself: then there is nothing to undo.
    if (client.inTransaction) for (const statement of rollback) client.run(statement);
    throw error;
  }
}

/**
 * PostgreSQL: BEGIN … COMMIT on one pool connection, held for the work (Bun SQL's `begin`); nested calls
 * are savepoints on it. The isolation is READ COMMITTED: the db functions that read then write a row
 * another replica may change take a row or advisory lock first (see `locks.ts`).
 */
async function transactPg<T>(
  w: PgDatabase | PgTx,
  work: (tx: Tx) => Promise<T>,
  durability: Durability,
): Promise<T> {
  const open = openTxOf(w);
  if (open !== null) return savepointPg(open, work);
  // A deadlock between two replicas' transactions (each locks lanes or rows in its own order) or a
  // serialization failure rolls the whole transaction back; `work` only touches the database, so running it
  // again is safe, and answering a webhook 5xx for it is not (Twilio does not retry).
  for (let attempt = 1; ; attempt++) {
    try {
      return await beginPg(w, work, durability);
    } catch (error) {
      if (attempt >= PG_TRIES || !isRetryable(error)) throw error;
      await Bun.sleep(Math.random() * 10 * attempt);
    }
  }
}

const PG_TRIES = 5;

function isRetryable(error: unknown): boolean {
  const errno = pgErrorOf(error)?.errno;
  return errno === "40P01" || errno === "40001";
}

type PgFailure = { code?: unknown; errno?: unknown };

/** The driver's error, also when Drizzle wrapped it ("Failed query: …", the driver's error as `cause`). */
function pgErrorOf(error: unknown): PgFailure | null {
  let current = error as (PgFailure & { cause?: unknown }) | null;
  for (let depth = 0; current && depth < 3; depth++) {
    if (typeof current.errno === "string" || typeof current.code === "string") return current;
    current = current.cause as (PgFailure & { cause?: unknown }) | null;
  }
  return null;
}

function beginPg<T>(w: PgDatabase | PgTx, work: (tx: Tx) => Promise<T>, durability: Durability): Promise<T> {
  return w.conn.client.begin(async (session) => {
    if (durability === "relaxed") await session.unsafe("SET LOCAL synchronous_commit = off");
    const tx: PgTx = {
      dialect: "postgres",
      role: "tx",
      conn: w.conn,
      session: session as unknown as PgTx["session"],
      orm: undefined,
      depth: 1,
      open: true,
    };
    try {
      return await activeTx.run(tx, () => work(tx));
    } finally {
      tx.open = false;
    }
  }) as Promise<T>;
}

async function savepointPg<T>(parent: PgTx, work: (tx: Tx) => Promise<T>): Promise<T> {
  const name = `sp${parent.depth}`;
  const { session } = parent;
  await session.unsafe(`SAVEPOINT ${name}`);
  const tx: PgTx = { ...parent, depth: parent.depth + 1, open: true };
  try {
    const result = await activeTx.run(tx, () => work(tx));
    tx.open = false;
    await session.unsafe(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    tx.open = false;
    await session.unsafe(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {});
    throw error;
  }
}

const STORAGE_FAILURES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CORRUPT|READONLY|CANTOPEN|NOMEM|NOTADB)/;

/**
 * True when `error` is the database failing (disk full, I/O error, locked), not the statement's fault;
 * or when the transaction it happened in is gone (SQLite rolls some of those back by itself).
 */
export function isStorageFailure(w: Writer, error: unknown): boolean {
  if (w.dialect === "postgres") return isPgStorageFailure(error);
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === "string" && STORAGE_FAILURES.test(code)) || !w.conn.client.inTransaction;
}

/**
 * SQLSTATE classes and codes that are the database's trouble, not the statement's: connection lost (08),
 * too many connections (53300), disk full (53100), out of memory (53200), admin shutdown and crash (57P0x),
 * read-only (25006), serialization failure and deadlock (40001, 40P01: try again). Bun's own codes cover a
 * connection that closed or never opened. A constraint violation (23xxx) is the statement's.
 */
const PG_STORAGE_FAILURES = /^(08|53|57P0|58|40001|40P01|25006|XX)/;

function isPgStorageFailure(error: unknown): boolean {
  const e = pgErrorOf(error);
  if (typeof e?.errno === "string" && PG_STORAGE_FAILURES.test(e.errno)) return true;
  return (
    typeof e?.code === "string" && /^ERR_POSTGRES_(CONNECTION|IDLE|LIFETIME|TLS|SERVER_CLOSED)/.test(e.code)
  );
}
