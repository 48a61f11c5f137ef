import type { TestService } from "../test/support/service";
import {
  connectAll,
  databaseFootprint,
  deliver,
  pendingInbound,
  pendingOutbound,
  phones,
  presign,
  startBenchService,
} from "./fixture";
import { drive, ms, printTable, rate, ratio, type Summary, summarize, until } from "./report";

export type WebhookOptions = { requests: number; numbers: number; clients: number; slowXMs: number };

type Run = { label: string; summary: Summary; perSecond: number; backlog: number };

/** Sends `count` presigned webhooks from `numbers`, round robin, on `clients` concurrent connections. */
async function hammer(
  svc: TestService,
  numbers: readonly string[],
  count: number,
  clients: number,
  tag: string,
) {
  const hooks = Array.from({ length: count }, (_, i) =>
    presign(svc, numbers[i % numbers.length] ?? "", `bench ${tag} #${i}: posted from a flip phone`),
  );
  const { latencies, elapsedMs } = await drive(count, clients, async (i) => {
    const hook = hooks[i];
    if (hook) await deliver(svc, hook);
  });
  return { summary: summarize(latencies), perSecond: (count / elapsedMs) * 1000 };
}

/**
 * POST /sms latency while the worker posts every text to X: once with X answering at once, once with X
 * taking `slowXMs` per call. Connected numbers, so the worker really is busy with X during both runs.
 */
export async function webhookBench(options: WebhookOptions): Promise<ReturnType<typeof databaseFootprint>> {
  const svc = await startBenchService();
  try {
    const numbers = phones(options.numbers);
    const connectStarted = performance.now();
    await connectAll(svc, numbers);
    const connectMs = performance.now() - connectStarted;
    await hammer(svc, numbers, 200, options.clients, "warmup");
    await until(() => pendingInbound(svc) === 0 && pendingOutbound(svc) === 0, "warm-up to drain");

    const runs: Run[] = [];
    const healthy = await hammer(svc, numbers, options.requests, options.clients, "healthy");
    runs.push({ label: "X healthy (0 ms)", ...healthy, backlog: pendingInbound(svc) });
    const drainStarted = performance.now();
    await until(() => pendingInbound(svc) === 0 && pendingOutbound(svc) === 0, "healthy backlog to drain");
    const drainMs = performance.now() - drainStarted;

    svc.x.standIn.delayMs = options.slowXMs;
    const slow = await hammer(svc, numbers, options.requests, options.clients, "slow");
    runs.push({ label: `X slow (${options.slowXMs} ms)`, ...slow, backlog: pendingInbound(svc) });
    svc.x.standIn.delayMs = 0;

    printTable(
      `1. Webhook latency — POST /sms, ${options.requests} signed webhooks per run, ${options.numbers} connected numbers, ${options.clients} clients`,
      ["run", "p50", "p95", "p99", "max", "req/s", "queued at end"],
      runs.map((r) => [
        r.label,
        ms(r.summary.p50),
        ms(r.summary.p95),
        ms(r.summary.p99),
        ms(r.summary.max),
        rate(r.perSecond),
        String(r.backlog),
      ]),
    );
    const [fast, late] = runs;
    console.log(
      `p99 ratio slow-X / healthy-X: ${ratio((late?.summary.p99 ?? 0) / (fast?.summary.p99 ?? 1))}` +
        " (≤ 1: the webhook never waits for X; it shares the event loop with the worker, idle while X is slow)",
    );
    console.log(
      `connecting ${options.numbers} numbers took ${ms(connectMs)}; the healthy run's backlog drained in ${ms(drainMs)}`,
    );

    return databaseFootprint(svc);
  } finally {
    svc.x.standIn.delayMs = 0;
    await svc.stop();
  }
}
