import { eq, gte } from "drizzle-orm";
import { heartbeats } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/** The one module that writes `heartbeats`: each running app process's row (see `ops/heartbeat`). */

export type Heartbeat = typeof heartbeats.$inferSelect;

/** Creates or refreshes this process's row. */
export async function beat(tx: Writer, row: Omit<Heartbeat, "refreshedAt">, now: number): Promise<void> {
  await query(tx, (orm) =>
    orm
      .insert(heartbeats)
      .values({ ...row, refreshedAt: now })
      .onConflictDoUpdate({ target: heartbeats.id, set: { refreshedAt: now } }),
  );
}

/** A clean stop: the process no longer holds the database. */
export async function dropHeartbeat(tx: Writer, id: string): Promise<void> {
  await query(tx, (orm) => orm.delete(heartbeats).where(eq(heartbeats.id, id)));
}

/** Every row, e.g. to clear the ones a backup copied from the live file. */
export async function clearHeartbeats(tx: Writer): Promise<void> {
  await query(tx, (orm) => orm.delete(heartbeats));
}

/** The processes that refreshed their row at or after `since`: they hold the database. */
export function liveHeartbeats(db: Writer, since: number): Promise<Heartbeat[]> {
  return query(db, (orm) => orm.select().from(heartbeats).where(gte(heartbeats.refreshedAt, since)));
}
