import { asc, sql } from "drizzle-orm";
import type { Database } from "./client";
import type { DeliveryStatus } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

export type DeliveryCount = { status: DeliveryStatus; errorCode: number | null; count: number };

/** Counts one text's final status, in the transaction that records it: once per text, never pruned. */
export async function countDelivery(
  tx: Writer,
  status: DeliveryStatus,
  errorCode: number | null,
): Promise<void> {
  await query(tx, (orm, t) =>
    orm
      .insert(t.deliveryCounts)
      .values({ status, errorCode: errorCode ?? 0, count: 1 })
      .onConflictDoUpdate({
        target: [t.deliveryCounts.status, t.deliveryCounts.errorCode],
        set: { count: sql`${t.deliveryCounts.count} + 1` },
      }),
  );
}

/** Every (status, error code) seen so far with its count, for the operator's tools; no phone numbers. */
export async function readDeliveryCounts(db: Database): Promise<DeliveryCount[]> {
  const rows = await query(db, (orm, t) =>
    orm
      .select()
      .from(t.deliveryCounts)
      .orderBy(asc(t.deliveryCounts.status), asc(t.deliveryCounts.errorCode)),
  );
  return rows.map((row) => ({
    status: row.status,
    errorCode: row.errorCode === 0 ? null : row.errorCode,
    count: row.count,
  }));
}
