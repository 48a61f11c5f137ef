import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Clock } from "../clock";
import type { Database } from "../db/client";
import { readDeliveryCounts } from "../db/delivery-counts";
import { readTotals } from "../db/metric-totals";
import { countJobs, oldestDue } from "../db/queue-stats";
import type { TotalMetric } from "../db/schema";
import type { Measurement } from "./measure";

/** X answers in hundreds of milliseconds and times out at 10 s. */
const X_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The webhook answers in milliseconds (spec: p99 < 20 ms). */
const WEBHOOK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1];

/**
 * The main thread's registry: request counts and timings arrive as measurements (the delivery thread
 * forwards its own), durable totals and queue gauges are read from the database at scrape time, so
 * the webhook does no database work for metrics and a restart loses no count.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #xRequests: Counter<"endpoint" | "status">;
  readonly #xSeconds: Histogram<"endpoint">;
  readonly #twilioRequests: Counter<"status">;
  readonly #webhookSeconds: Histogram;
  /** Senders the webhook answers without storing anything (WhatsApp, short codes): never a job. */
  #ignoredSenders = 0;

  constructor(db: Database, clock: Clock) {
    const registers = [this.#registry];
    this.#xRequests = new Counter({
      name: "smstweet_x_requests_total",
      help: "Requests to X's API by endpoint and HTTP status (2xx, or network when none came)",
      labelNames: ["endpoint", "status"],
      registers,
    });
    this.#xSeconds = new Histogram({
      name: "smstweet_x_request_seconds",
      help: "How long X took to answer, by endpoint",
      labelNames: ["endpoint"],
      buckets: X_BUCKETS,
      registers,
    });
    this.#twilioRequests = new Counter({
      name: "smstweet_twilio_requests_total",
      help: "Requests to Twilio's REST API by HTTP status (network when none came)",
      labelNames: ["status"],
      registers,
    });
    this.#webhookSeconds = new Histogram({
      name: "smstweet_webhook_seconds",
      help: "How long POST /sms took to answer Twilio, body read and commit included",
      buckets: WEBHOOK_BUCKETS,
      registers,
    });
    const totals = (metric: TotalMetric): Map<string, number> =>
      new Map(readTotals(db).flatMap((row) => (row.metric === metric ? [[row.label, row.count]] : [])));
    durableCounter(registers, "smstweet_inbound_texts_total", "Texts read, by what they were", "kind", () => {
      const kinds = totals("inbound_texts");
      kinds.set("ignored", (kinds.get("ignored") ?? 0) + this.#ignoredSenders);
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

  /** Applies one request's measurement, from this thread or forwarded by the delivery thread. */
  readonly measure = (measurement: Measurement): void => {
    if (measurement.kind === "x_request") {
      const { endpoint, status, seconds } = measurement;
      this.#xRequests.inc({ endpoint, status });
      this.#xSeconds.observe({ endpoint }, seconds);
      return;
    }
    this.#twilioRequests.inc({ status: measurement.status });
  };

  /** The webhook answered; `ignored`: a sender that cannot be texted back, so no job will count it. */
  readonly webhookAnswered = (seconds: number, ignored: boolean): void => {
    this.#webhookSeconds.observe(seconds);
    if (ignored) this.#ignoredSenders++;
  };

  /** The exposition, in Prometheus' text format, with the process defaults. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    const merged = Registry.merge([processRegistry(), this.#registry]);
    return { body: await merged.metrics(), contentType: merged.contentType };
  }
}

let processDefaults: Registry | undefined;

/** prom-client's process defaults, once per process: each set samples the event loop for as long as it lives. */
function processRegistry(): Registry {
  if (!processDefaults) {
    processDefaults = new Registry();
    collectDefaultMetrics({ register: processDefaults });
  }
  return processDefaults;
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
