import { eq, gte } from "drizzle-orm";
import { heartbeats } from "./schema";
import type { Writer } from "./transaction";

/** The one module that writes `heartbeats`: each running app process's row (see `ops/heartbeat`). */

export type Heartbeat = typeof heartbeats.$inferSelect;

/** Creates or refreshes this process's row. */
export function beat(tx: Writer, row: Omit<Heartbeat, "refreshedAt">, now: number): void {
  tx.insert(heartbeats)
    .values({ ...row, refreshedAt: now })
    .onConflictDoUpdate({ target: heartbeats.id, set: { refreshedAt: now } })
    .run();
}

/** A clean stop: the process no longer holds the database. */
export function dropHeartbeat(tx: Writer, id: string): void {
  tx.delete(heartbeats).where(eq(heartbeats.id, id)).run();
}

/** Every row, e.g. to clear the ones a backup copied from the live file. */
export function clearHeartbeats(tx: Writer): void {
  tx.delete(heartbeats).run();
}

/** The processes that refreshed their row at or after `since`: they hold the database. */
export function liveHeartbeats(db: Writer, since: number): Heartbeat[] {
  return db.select().from(heartbeats).where(gte(heartbeats.refreshedAt, since)).all();
}
