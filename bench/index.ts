/**
 * `bun run bench`: the whole service in-process (real app, worker, SQLite on disk, real twilio and
 * twitter-api-v2 clients against the loopback TLS stand-ins), measured from the outside over HTTP.
 * Prints figures and ratios; nothing here passes or fails. See README "Benchmarks".
 */
import { cpus, loadavg } from "node:os";
import { deliveryBench } from "./delivery";
import { memorySampler, mib, printTable } from "./report";
import { webhookBench } from "./webhook";

const rssBefore = process.memoryUsage.rss();
const sampler = memorySampler(100);
const started = performance.now();
console.log(
  `smstweet bench — Bun ${Bun.version}, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(2)} at start` +
    " (app, worker, stand-ins and load generator share one process and event loop)",
);

try {
  const footprint = await webhookBench({ requests: 2_000, numbers: 50, clients: 8, slowXMs: 500 });
  await deliveryBench(
    [
      { numbers: 8, texts: 10 },
      { numbers: 20, texts: 10 },
    ],
    200,
  );

  Bun.gc(true);
  const rssAfter = process.memoryUsage.rss();
  const heap = process.memoryUsage().heapUsed;
  const dbBytes = footprint.bytes + footprint.walBytes;
  printTable(
    "3. Memory and storage",
    ["measure", "value"],
    [
      ["RSS before", mib(rssBefore)],
      ["RSS peak (sampled every 100 ms)", mib(sampler.peak())],
      ["RSS after (all stopped, GC)", mib(rssAfter)],
      ["JS heap after", mib(heap)],
      [
        `SQLite file (section 1: ${footprint.inbound} inbound, ${footprint.outbound} outbound rows)`,
        mib(dbBytes),
      ],
      ["SQLite file ÷ inbound rows", `${Math.round(dbBytes / footprint.inbound)} B`],
    ],
  );
  console.log("RSS includes the in-memory X and Twilio stand-ins (every post and SMS of the run).");
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
} finally {
  sampler.stop();
}
