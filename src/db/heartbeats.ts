import { eq, gte } from "drizzle-orm";
import type { heartbeats } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/** The one module that writes `t.heartbeats`: each running app process's row (see `ops/heartbeat`). */

export type Heartbeat = typeof heartbeats.$inferSelect;

/** Creates or refreshes this process's row. */
export async function beat(tx: Writer, row: Omit<Heartbeat, "refreshedAt">, now: number): Promise<void> {
  await query(tx, (orm, t) =>
    orm
      .insert(t.heartbeats)
      .values({ ...row, refreshedAt: now })
      .onConflictDoUpdate({ target: t.heartbeats.id, set: { refreshedAt: now } }),
  );
}

/** A clean stop: the process no longer holds the database. */
export async function dropHeartbeat(tx: Writer, id: string): Promise<void> {
  await query(tx, (orm, t) => orm.delete(t.heartbeats).where(eq(t.heartbeats.id, id)));
}

/** Every row, e.g. to clear the ones a backup copied from the live file. */
export async function clearHeartbeats(tx: Writer): Promise<void> {
  await query(tx, (orm, t) => orm.delete(t.heartbeats));
}

/** The processes that refreshed their row at or after `since`: they hold the database. */
export function liveHeartbeats(db: Writer, since: number): Promise<Heartbeat[]> {
  return query(db, (orm, t) => orm.select().from(t.heartbeats).where(gte(t.heartbeats.refreshedAt, since)));
}
