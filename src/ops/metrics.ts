import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { Clock } from "../clock";
import type { Database } from "../db/client";
import type { Measurement } from "./measure";
import { registerStoredMetrics } from "./stored-metrics";

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
    registerStoredMetrics(registers, db, clock, () => this.#ignoredSenders);
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
