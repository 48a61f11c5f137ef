import { asc, sql } from "drizzle-orm";
import type { Database } from "./client";
import { type DeliveryStatus, deliveryCounts } from "./schema";
import type { Writer } from "./transaction";

export type DeliveryCount = { status: DeliveryStatus; errorCode: number | null; count: number };

/** Counts one text's final status, in the transaction that records it: once per text, never pruned. */
export function countDelivery(tx: Writer, status: DeliveryStatus, errorCode: number | null): void {
  tx.insert(deliveryCounts)
    .values({ status, errorCode: errorCode ?? 0, count: 1 })
    .onConflictDoUpdate({
      target: [deliveryCounts.status, deliveryCounts.errorCode],
      set: { count: sql`${deliveryCounts.count} + 1` },
    })
    .run();
}

/** Every (status, error code) seen so far with its count, for the operator's tools; no phone numbers. */
export function readDeliveryCounts(db: Database): DeliveryCount[] {
  return db
    .select()
    .from(deliveryCounts)
    .orderBy(asc(deliveryCounts.status), asc(deliveryCounts.errorCode))
    .all()
    .map((row) => ({
      status: row.status,
      errorCode: row.errorCode === 0 ? null : row.errorCode,
      count: row.count,
    }));
}
