import { openTxOf, type Writer } from "./handle";
import { run } from "./sql";

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
