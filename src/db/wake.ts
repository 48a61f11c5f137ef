import type { Database } from "./handle";
import { JOBS_CHANNEL } from "./job-statements";

/** A live LISTEN: `close` ends it (and its connection, when it was the last). */
export type JobsSubscription = { close(): Promise<void> };

/**
 * Calls `wake` whenever another process (or this one) commits a job that is due now: `addJob`, a promotion,
 * a released lease or the operator's retry NOTIFY the channel in their transaction, so an idle replica
 * starts on a text stored by another one at once rather than at its next poll. Also calls it after every
 * (re)connection of the LISTEN connection: notifications sent while it was down are lost, so it looks once.
 * Null where the database cannot tell other processes (SQLite): they keep polling.
 */
export async function subscribeToJobs(db: Database, wake: () => void): Promise<JobsSubscription | null> {
  if (db.dialect !== "postgres") return null;
  const { client } = db.conn;
  // The first `onlisten` is the subscription itself: nothing was missed then, but looking once is harmless.
  const listening = await client.listen(JOBS_CHANNEL, () => wake(), wake);
  return { close: () => listening.unlisten() };
}
