import { activeTx, type Database, openTxOf, type Tx, type Writer } from "./handle";
import { takeTurnFor } from "./sql";

export type { Tx, Writer } from "./handle";
export { isBusy } from "./sql";

/**
 * `durable`: the commit is on disk before `transact` returns (an fsync). `relaxed`: it reaches the disk with
 * the next durable commit or checkpoint; a power cut (not a crash of the process) can lose it.
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
    return await inside(w as Database, 1, work, ["COMMIT"], ["ROLLBACK"]);
  } finally {
    if (relaxed) client.run("PRAGMA synchronous = FULL");
    turn.release();
  }
}

function savepoint<T>(tx: Tx, work: (tx: Tx) => Promise<T>): Promise<T> {
  const name = `sp${tx.depth}`;
  tx.conn.client.run(`SAVEPOINT ${name}`);
  return inside(tx, tx.depth + 1, work, [`RELEASE ${name}`], [`ROLLBACK TO ${name}`, `RELEASE ${name}`]);
}

async function inside<T>(
  w: Writer,
  depth: number,
  work: (tx: Tx) => Promise<T>,
  commit: readonly string[],
  rollback: readonly string[],
): Promise<T> {
  const { client } = w.conn;
  const tx: Tx = { dialect: "sqlite", role: "tx", conn: w.conn, depth, open: true };
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

const STORAGE_FAILURES = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CORRUPT|READONLY|CANTOPEN|NOMEM|NOTADB)/;

/**
 * True when `error` is the database failing (disk full, I/O error, locked), not the statement's fault;
 * or when the transaction it happened in is gone (SQLite rolls some of those back by itself).
 */
export function isStorageFailure(w: Writer, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === "string" && STORAGE_FAILURES.test(code)) || !w.conn.client.inTransaction;
}
