import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { outboundMessages } from "../db/schema";
import type { Writer } from "../db/transaction";

export type OutboundText = typeof outboundMessages.$inferSelect;

/** Queues a text inside the caller's transaction: it goes out only if the rest of the step commits. */
export function enqueueText(
  tx: Writer,
  text: { phone: string; body: string; secret?: string | undefined },
  now: number,
): void {
  tx.insert(outboundMessages)
    .values({
      phone: text.phone,
      body: text.body,
      secret: text.secret ?? null,
      createdAt: now,
      nextAttemptAt: now,
    })
    .run();
}

/** The oldest pending text of each number that is due, in arrival order. */
export function dueTexts(db: Database, now: number, limit: number): OutboundText[] {
  return db
    .select()
    .from(outboundMessages)
    .where(
      sql`${outboundMessages.status} = 'pending' AND ${outboundMessages.nextAttemptAt} <= ${now} AND ${outboundMessages.id} = (
        SELECT MIN(o.id) FROM ${outboundMessages} o WHERE o.phone = ${outboundMessages.phone} AND o.status = 'pending')`,
    )
    .orderBy(outboundMessages.id)
    .limit(limit)
    .all();
}
