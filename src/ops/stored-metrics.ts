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
  const totals = async (metric: TotalMetric): Promise<Map<string, number>> =>
    new Map((await readTotals(db)).flatMap((row) => (row.metric === metric ? [[row.label, row.count]] : [])));
  durableCounter(
    registers,
    "smstweet_inbound_texts_total",
    "Texts read, by what they were",
    "kind",
    async () => {
      const kinds = await totals("inbound_texts");
      kinds.set("ignored", (kinds.get("ignored") ?? 0) + ignoredSenders());
      return kinds;
    },
  );
  durableCounter(registers, "smstweet_posts_total", "Posts and threads by how they ended", "outcome", () =>
    totals("posts"),
  );
  durableCounter(
    registers,
    "smstweet_sms_sent_total",
    "Texts sent to Twilio by how they ended",
    "outcome",
    async () => {
      const outcomes = await totals("sms_sent");
      const undelivered = (await readDeliveryCounts(db)).filter((row) => row.status !== "delivered");
      const carrier = undelivered.reduce((sum, row) => sum + row.count, 0);
      if (carrier > 0) outcomes.set("undelivered", carrier);
      return outcomes;
    },
  );
  new Counter({
    name: "smstweet_sms_segments_total",
    help: "SMS segments sent (what Twilio bills)",
    registers,
    async collect() {
      const segments = (await totals("sms_segments")).get("") ?? 0;
      this.reset();
      this.inc(segments);
    },
  });
  new Counter({
    name: "smstweet_sms_delivery_total",
    help: "Final delivery reports from Twilio by status and error code (0: none)",
    labelNames: ["status", "code"],
    registers,
    async collect() {
      const rows = await readDeliveryCounts(db);
      this.reset();
      for (const row of rows) this.inc({ status: row.status, code: String(row.errorCode ?? 0) }, row.count);
    },
  });
  new Gauge({
    name: "smstweet_queue_jobs",
    help: "Jobs by queue (job kind) and state; finished ones until retention prunes them",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      const rows = await countJobs(db);
      this.reset();
      for (const row of rows) this.set({ queue: row.kind, state: row.state }, row.count);
    },
  });
  new Gauge({
    name: "smstweet_queue_oldest_due_seconds",
    help: "How long the longest-waiting due job of each queue has been due (absent: nothing due)",
    labelNames: ["queue"],
    registers,
    async collect() {
      const now = clock.now();
      const rows = await oldestDue(db, now);
      this.reset();
      for (const row of rows) this.set({ queue: row.kind }, Math.max(0, now - row.runAt) / 1000);
    },
  });
}

/** A counter whose values are the durable totals, re-read at each scrape. */
function durableCounter(
  registers: Registry[],
  name: string,
  help: string,
  label: string,
  read: () => Promise<Map<string, number>>,
): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    async collect() {
      const counts = await read();
      this.reset();
      for (const [value, count] of counts) this.inc({ [label]: value }, count);
    },
  });
}
