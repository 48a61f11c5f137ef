import { openTxOf, type Writer } from "./handle";
import { get, run } from "./sql";

/**
 * Caps counted then written ("room for one more? then take it") are safe on SQLite, where a transaction
 * holds the only write lock from its BEGIN IMMEDIATE. PostgreSQL's READ COMMITTED lets two replicas count
 * the same rows and both take the last slot, so there such a transaction first takes a lock on the cap's
 * key, held until it ends: the second one counts after the first committed.
 */

/** pg_advisory_xact_lock's first key for these caps ('text'); the job lanes use another. */
const CAPS = 1953719668;

/** Serialises, across replicas, the transactions that count and then take from the cap `key`. */
export async function lockCap(w: Writer, key: string): Promise<void> {
  if (w.dialect !== "postgres") return;
  // Outside a transaction a lock would end with the statement: nothing to keep apart.
  if (openTxOf(w) === null) return;
  await run(w, "SELECT pg_advisory_xact_lock(?1, hashtext(?2))", CAPS, key);
}

const maxConnections = new WeakMap<object, Promise<number>>();

/**
 * `lockCap` only when the count `used` could reach `cap` before this transaction commits: the claims in
 * flight that this one cannot see yet each hold a server connection, so there are fewer than the server's
 * `max_connections`. Far from the cap, claims run side by side. True when it locked: count again.
 */
export async function lockCapNear(w: Writer, key: string, used: number, cap: number): Promise<boolean> {
  if (w.dialect !== "postgres" || openTxOf(w) === null) return false;
  let limit = maxConnections.get(w.conn);
  if (limit === undefined) {
    limit = get<{ n: number }>(w, "SELECT CAST(current_setting('max_connections') AS INTEGER) AS n").then(
      (row) => row?.n ?? Number.POSITIVE_INFINITY,
      (error: unknown) => {
        maxConnections.delete(w.conn);
        throw error;
      },
    );
    maxConnections.set(w.conn, limit);
  }
  if (used + (await limit) < cap) return false;
  await lockCap(w, key);
  return true;
}
