/**
 * Parts 1 and 2: ingest bursts while X answers 503. The peers (bare Bun, the seed's FastAPI stack) run once;
 * then, on each database, a burst with nothing pending, the backlog filled through the webhook, and a second
 * burst with it pending. On PostgreSQL the app's sessions are sampled meanwhile (target 7).
 */

import { connectAll } from "./connect";
import type { DatabaseTarget } from "./databases";
import { DISPLAY, poolSize } from "./databases";
import { cpu, loud, meets, say, targets } from "./outcome";
import {
  type BurstResult,
  cpuMeter,
  type Peer,
  runSender,
  type StandIns,
  startApp,
  startBare,
  startFastApi,
  wrkBurst,
} from "./processes";
import { count, mb, ms, perSecond, printTable, ratio } from "./report";
import { sampleConnections } from "./sessions";

export const CONNECTIONS = 32;
export const NUMBERS = 50;
const BURST_SECONDS = Number(process.env.BENCH_BURST_SECONDS ?? 8);
/** Distinct webhooks per burst file: 15,000 req/s for 8 s (above 3× FastAPI here) before any repeats. */
export const BURST_LINES = 120_000;
export const BACKLOG = 100_000;
/** The backlog is filled through the webhook; an app whose ingest slows down as it grows gets this long. */
const FILL_SECONDS = Number(process.env.BENCH_FILL_SECONDS ?? 60);

export type Tools = { wrk: boolean; fastapi: boolean };

/** One burst of `file`'s webhooks at `url`, with wrk if it is there (the peers README's way), else sender.ts. */
async function burst(tools: Tools, url: string, path: string): Promise<BurstResult> {
  const meter = cpuMeter();
  if (tools.wrk)
    return { ...(await wrkBurst(url, path, CONNECTIONS, BURST_SECONDS)), othersCpu: meter().others };
  const result = await runSender("burst", url, path, CONNECTIONS, BURST_LINES, BURST_SECONDS);
  return {
    tool: "bun sender",
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    requests: result.sent,
    failed: result.non2xx + result.errors,
    othersCpu: meter().others,
  };
}

type Ingest = { name: string; result?: BurstResult; skipped?: string };
export type Peers = { bare?: BurstResult; fastapi?: BurstResult };
export type BurstFiles = { numbers: string[]; a: string; b: string; fill: string };

const ingestRows: Ingest[] = [];

/** The peers' bursts, once per run: every database's smstweet figures are set against the same ones. */
export async function peers(tools: Tools, files: BurstFiles): Promise<Peers> {
  const results: Peers = {};
  const peer = async (key: keyof Peers, name: string, start: () => Promise<Peer>): Promise<void> => {
    try {
      const running = await start();
      try {
        results[key] = await burst(tools, running.url, files.a);
        ingestRows.push({ name, result: results[key] });
      } finally {
        await running.stop();
      }
    } catch (error) {
      loud(`${name} failed: ${error}`);
      ingestRows.push({ name, skipped: "failed" });
    }
  };
  await peer("bare", "bare Bun (peers/bare)", startBare);
  if (tools.fastapi) await peer("fastapi", "FastAPI (peers/fastapi)", startFastApi);
  else ingestRows.push({ name: "FastAPI (peers/fastapi)", skipped: "skipped: not installed" });
  return results;
}

export async function ingest(
  tools: Tools,
  standIns: StandIns,
  target: DatabaseTarget,
  files: BurstFiles,
  peerResults: Peers,
): Promise<void> {
  const name = DISPLAY[target.kind];
  const db = await target.fresh("ingest");
  let empty: BurstResult | undefined;
  let full: BurstResult | undefined;
  let stored = 0;
  let connections: number | undefined;
  try {
    const app = await startApp(standIns, db);
    try {
      await standIns.setX({ mode: "503", delayMs: 0 });
      const connectMs = await connectAll(app, standIns, files.numbers);
      say(
        `ingest on ${name}: ${NUMBERS} numbers connected in ${ms(connectMs)}; every POST /2/tweets now answers 503`,
      );
      const sampling = target.kind === "postgres" ? sampleConnections(db, [app.pid]) : null;
      empty = await burst(tools, app.url, files.a);
      ingestRows.push({ name: `smstweet on ${name}, nothing pending`, result: empty });
      stored = Math.min(BURST_LINES, empty.requests - empty.failed);

      const fillCount = BACKLOG - stored;
      say(
        `ingest on ${name}: filling the backlog with ${count(fillCount)} more webhooks (Bun sender, ${CONNECTIONS} connections, ` +
          `at most ${FILL_SECONDS} s) …`,
      );
      const fillMeter = cpuMeter();
      const filled = await runSender("burst", app.url, files.fill, CONNECTIONS, fillCount, FILL_SECONDS);
      const fillOthers = fillMeter().others;
      if (filled.sent < fillCount) {
        loud(
          `backlog fill on ${name} stopped after ${FILL_SECONDS} s with ${count(stored + filled.ok)} of ${count(BACKLOG)} texts pending ` +
            `(${perSecond(filled.rps)} on average): target 2 is measured at that backlog`,
        );
      }
      if (filled.ok !== filled.sent) {
        loud(
          `backlog fill on ${name}: ${filled.sent - filled.ok} of ${filled.sent} webhooks failed (${filled.firstError ?? ""})`,
        );
      }
      stored += filled.ok;
      ingestRows.push({
        name: `smstweet on ${name}, filling the backlog`,
        result: {
          tool: "bun sender",
          rps: filled.rps,
          p50: filled.p50,
          p99: filled.p99,
          requests: filled.sent,
          failed: filled.non2xx + filled.errors,
          othersCpu: fillOthers,
        },
      });
      say(
        `ingest on ${name}: backlog filled at ${perSecond(filled.rps)} (p99 ${ms(filled.p99)}); ${count(stored)} texts pending`,
      );
      full = await burst(tools, app.url, files.b);
      ingestRows.push({ name: `smstweet on ${name}, ${count(stored)} pending`, result: full });
      if (sampling) connections = (await sampling())[0];
      const health = await fetch(`${app.url}/healthz`).catch(() => null);
      const healthz = health ? `${health.status} ${(await health.text()).slice(0, 40)}` : "no answer";
      const stats = await standIns.stats();
      say(
        `ingest on ${name}: X was called ${count(stats.tweetCalls)} times so far (${count(stats.tweet503)} answered 503), ` +
          `GET /healthz after: ${healthz}; app VmRSS ${mb(app.memory().rss)}`,
      );
    } finally {
      await app.stop();
      say(`app log (ingest on ${name}, LOG_LEVEL=warn): ${app.logSummary()}`);
    }
  } finally {
    await db.drop();
  }

  const vs = (peerResult: BurstResult | undefined, goal: number, peerName: string): void => {
    const row = { target: `1. ingest burst, X 503: smstweet on ${name} / ${peerName}`, goal: `≥ ${goal}×` };
    if (!empty || !peerResult) {
      targets.push({ ...row, figure: "—", status: "SKIPPED" });
      return;
    }
    const value = empty.rps / peerResult.rps;
    targets.push({
      ...row,
      figure: `${ratio(value)} (${perSecond(empty.rps)} vs ${perSecond(peerResult.rps)}; p99 ${ms(empty.p99)} vs ${ms(peerResult.p99)})`,
      status: meets(value >= goal),
    });
  };
  vs(peerResults.fastapi, 3, "FastAPI");
  vs(peerResults.bare, 0.2, "bare Bun");
  if (empty && full) {
    const value = full.rps / empty.rps;
    targets.push({
      target: `2. ingest on ${name} with ${count(stored)} pending / with none`,
      figure: `${ratio(value)} (${perSecond(full.rps)} vs ${perSecond(empty.rps)}; p99 ${ms(full.p99)} vs ${ms(empty.p99)})`,
      goal: `≥ 0.80× at ${count(BACKLOG)} pending`,
      // Short of the backlog, only a miss is conclusive.
      status: value < 0.8 ? "MISSED" : stored >= BACKLOG ? "met" : "BLOCKED",
    });
  }
  if (connections !== undefined) {
    targets.push({
      target: "7. PostgreSQL connections per replica, most seen during the ingest bursts",
      figure: String(connections),
      goal: `≤ DATABASE_POOL_SIZE (${poolSize()})`,
      status: meets(connections <= poolSize()),
    });
  }
}

export function printIngest(): void {
  printTable(
    `Ingest — POST /sms burst, ${CONNECTIONS} connections, ${BURST_SECONDS} s, distinct pre-signed webhooks from ${NUMBERS} connected numbers, X answering 503`,
    ["server", "tool", "req/s", "p50", "p99", "requests", "failed", "other CPU"],
    ingestRows.map(({ name, result, skipped }) =>
      result
        ? [
            name,
            result.tool,
            perSecond(result.rps),
            ms(result.p50),
            ms(result.p99),
            count(result.requests),
            count(result.failed),
            cpu(result.othersCpu),
          ]
        : [name, skipped ?? "", "", "", "", "", "", ""],
    ),
  );
  say(
    `The numbers were connected first (so no link texts); their texts wait on X's 503s. Burst files hold ${count(BURST_LINES)} ` +
      "lines; wrk cycles past the end, so a server faster than that per burst sees repeats (duplicates).",
  );
}
