import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { metricTotals, type TotalMetric } from "./schema";
import type { Writer } from "./transaction";

export type MetricTotal = { metric: TotalMetric; label: string; count: number };

/** Adds `by` to one durable counter, in the transaction of the job that caused it. */
export function addToTotal(tx: Writer, metric: TotalMetric, label: string, by = 1): void {
  if (by === 0) return;
  tx.insert(metricTotals)
    .values({ metric, label, count: by })
    .onConflictDoUpdate({
      target: [metricTotals.metric, metricTotals.label],
      set: { count: sql`${metricTotals.count} + ${by}` },
    })
    .run();
}

/** Every durable counter, for a scrape: a handful of rows, no phone numbers. */
export function readTotals(db: Database): MetricTotal[] {
  return db.select().from(metricTotals).all();
}
