import { Counter, Gauge, type Registry } from "prom-client";
import type { Clock } from "../clock";
import type { Database } from "../db/client";
import { readDeliveryCounts } from "../db/delivery-counts";
import { readTotals } from "../db/metric-totals";
import { countJobs, oldestDue } from "../db/queue-stats";
import type { TotalMetric } from "../db/schema";

/**
 * The metrics read from the database at each scrape: the durable totals (counted in each job's commit, so
 * they survive restarts and whichever thread or process did the work), delivery reports, and the queue.
 */
export function registerStoredMetrics(
  registers: Registry[],
  db: Database,
  clock: Clock,
  /** Senders the webhook answered without storing anything: counted in memory, never a job. */
  ignoredSenders: () => number,
): void {
  const totals = (metric: TotalMetric): Map<string, number> =>
    new Map(readTotals(db).flatMap((row) => (row.metric === metric ? [[row.label, row.count]] : [])));
  durableCounter(registers, "smstweet_inbound_texts_total", "Texts read, by what they were", "kind", () => {
    const kinds = totals("inbound_texts");
    kinds.set("ignored", (kinds.get("ignored") ?? 0) + ignoredSenders());
    return kinds;
  });
  durableCounter(registers, "smstweet_posts_total", "Posts and threads by how they ended", "outcome", () =>
    totals("posts"),
  );
  durableCounter(
    registers,
    "smstweet_sms_sent_total",
    "Texts sent to Twilio by how they ended",
    "outcome",
    () => {
      const outcomes = totals("sms_sent");
      const undelivered = readDeliveryCounts(db).filter((row) => row.status !== "delivered");
      const carrier = undelivered.reduce((sum, row) => sum + row.count, 0);
      if (carrier > 0) outcomes.set("undelivered", carrier);
      return outcomes;
    },
  );
  new Counter({
    name: "smstweet_sms_segments_total",
    help: "SMS segments sent (what Twilio bills)",
    registers,
    collect() {
      this.reset();
      this.inc(totals("sms_segments").get("") ?? 0);
    },
  });
  new Counter({
    name: "smstweet_sms_delivery_total",
    help: "Final delivery reports from Twilio by status and error code (0: none)",
    labelNames: ["status", "code"],
    registers,
    collect() {
      this.reset();
      for (const row of readDeliveryCounts(db))
        this.inc({ status: row.status, code: String(row.errorCode ?? 0) }, row.count);
    },
  });
  new Gauge({
    name: "smstweet_queue_jobs",
    help: "Jobs by queue (job kind) and state; finished ones until retention prunes them",
    labelNames: ["queue", "state"],
    registers,
    collect() {
      this.reset();
      for (const row of countJobs(db)) this.set({ queue: row.kind, state: row.state }, row.count);
    },
  });
  new Gauge({
    name: "smstweet_queue_oldest_due_seconds",
    help: "How long the longest-waiting due job of each queue has been due (absent: nothing due)",
    labelNames: ["queue"],
    registers,
    collect() {
      this.reset();
      const now = clock.now();
      for (const row of oldestDue(db, now))
        this.set({ queue: row.kind }, Math.max(0, now - row.runAt) / 1000);
    },
  });
}

/** A counter whose values are the durable totals, re-read at each scrape. */
function durableCounter(
  registers: Registry[],
  name: string,
  help: string,
  label: string,
  read: () => Map<string, number>,
): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      this.reset();
      for (const [value, count] of read()) this.inc({ [label]: value }, count);
    },
  });
}
