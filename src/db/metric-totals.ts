import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { metricTotals, type TotalMetric } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

export type MetricTotal = { metric: TotalMetric; label: string; count: number };

/** Adds `by` to one durable counter, in the transaction of the job that caused it. */
export async function addToTotal(tx: Writer, metric: TotalMetric, label: string, by = 1): Promise<void> {
  if (by === 0) return;
  await query(tx, (orm) =>
    orm
      .insert(metricTotals)
      .values({ metric, label, count: by })
      .onConflictDoUpdate({
        target: [metricTotals.metric, metricTotals.label],
        set: { count: sql`${metricTotals.count} + ${by}` },
      }),
  );
}

/** Every durable counter, for a scrape: a handful of rows, no phone numbers. */
export function readTotals(db: Database): Promise<MetricTotal[]> {
  return query(db, (orm) => orm.select().from(metricTotals));
}
