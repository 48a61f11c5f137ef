import { sql } from "drizzle-orm";
import type { Database } from "./client";
import type { TotalMetric } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

export type MetricTotal = { metric: TotalMetric; label: string; count: number };

/** Adds `by` to one durable counter, in the transaction of the job that caused it. */
export async function addToTotal(tx: Writer, metric: TotalMetric, label: string, by = 1): Promise<void> {
  if (by === 0) return;
  await query(tx, (orm, t) =>
    orm
      .insert(t.metricTotals)
      .values({ metric, label, count: by })
      .onConflictDoUpdate({
        target: [t.metricTotals.metric, t.metricTotals.label],
        set: { count: sql`${t.metricTotals.count} + ${by}` },
      }),
  );
}

/** Every durable counter, for a scrape: a handful of rows, no phone numbers. */
export function readTotals(db: Database): Promise<MetricTotal[]> {
  return query(db, (orm, t) => orm.select().from(t.metricTotals));
}
