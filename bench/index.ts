/**
 * `bun run bench`: issue 7's speed targets, measured in one run against the app as an operator runs it
 * (`bun src/index.ts`, its own process, configured by environment variables), with X and Twilio played by
 * the stand-ins in another process (bench/standins.ts) over loopback TLS. The bench talks to the app only
 * through signed POST /sms webhooks, the OAuth pages and GET /healthz; progress is read off the stand-ins
 * (posts at X, texts at Twilio). Prints figures, ratios and a targets table; it never fails on a figure.
 * See README "Benchmarks".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connectAll } from "./connect";
import {
  type BurstResult,
  cpuMeter,
  ensureTools,
  killChildren,
  type Peer,
  runSender,
  type StandIns,
  startApp,
  startBare,
  startFastApi,
  startStandIns,
  wrkBurst,
} from "./processes";
import { count, mb, ms, perSecond, printTable, ratio, seconds } from "./report";
import { phones, writeRequests } from "./requests";
import type { StandInStats } from "./standins";

const CONNECTIONS = 32;
const BURST_SECONDS = Number(process.env.BENCH_BURST_SECONDS ?? 8);
/** Distinct webhooks per burst file: 15,000 req/s for 8 s (above 3× FastAPI here) before any repeats. */
const BURST_LINES = 120_000;
const BACKLOG = 100_000;
/** The backlog is filled through the webhook; an app whose ingest slows down as it grows gets this long. */
const FILL_SECONDS = Number(process.env.BENCH_FILL_SECONDS ?? 60);
const NUMBERS = 50;
const DRAIN_TEXTS_PER_NUMBER = 16;
const RATE = 1_000;
const RATE_SECONDS = 8;
const MEMORY_TEXTS = 10_000;
const PREFILL = MEMORY_TEXTS - RATE * RATE_SECONDS;

type Status = "met" | "MISSED" | "BLOCKED" | "SKIPPED" | "ERROR";
type TargetRow = { target: string; figure: string; goal: string; status: Status };

/** BENCH_ONLY=ingest,drain,rate runs only those parts (all by default), for a quicker look at one target. */
const only = process.env.BENCH_ONLY?.split(",").map((part) => part.trim());
const wanted = (part: "ingest" | "drain" | "rate"): boolean => !only || only.includes(part);

const targets: TargetRow[] = [];
const notes: string[] = [];
const say = (line: string): void => console.log(line);
const loud = (line: string): void => {
  console.log(`\n!!! ${line}\n`);
  notes.push(line);
};
const meets = (ok: boolean): Status => (ok ? "met" : "MISSED");

const started = performance.now();
const runMeter = cpuMeter();
const work = mkdtempSync(join(tmpdir(), "smstweet-bench-reqs-"));
const file = (name: string): string => join(work, `${name}.tsv`);
const git = (...args: string[]): string =>
  Bun.spawnSync(["git", ...args], { cwd: join(import.meta.dir, "..") })
    .stdout.toString()
    .trim();
const commit = `${git("rev-parse", "--short", "HEAD") || "?"}${git("status", "--porcelain", "--", "src") ? " + uncommitted changes in src/" : ""}`;

say(
  `smstweet bench — commit ${commit}, Bun ${Bun.version}, ${cpus().length} CPUs, ` +
    `load average ${loadavg()[0]?.toFixed(2)} at start, WORKER_CONCURRENCY=${process.env.WORKER_CONCURRENCY ?? "64"}`,
);
say(
  "app: its own process (bun src/index.ts, LOG_LEVEL=warn); X and Twilio stand-ins: another process, loopback TLS",
);

const tools = ensureTools(say);
if (!tools.wrk)
  loud("wrk is not installed and could not be: the bursts use the Bun sender (bench/sender.ts) instead");
if (!tools.fastapi) {
  loud(
    "the FastAPI peer cannot run (/usr/bin/python3 lacks fastapi, uvicorn or twilio): SKIPPED, no smstweet/FastAPI ratio",
  );
}

/** One burst of `file`'s webhooks at `url`, with wrk if it is there (the peers README's way), else sender.ts. */
async function burst(url: string, path: string): Promise<BurstResult> {
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

/** "12 %": CPU used outside the bench, in % of one core. */
const cpu = (percent: number | undefined): string => (percent === undefined ? "" : `${percent.toFixed(0)} %`);

/** Waits until X has `posts` more posts and Twilio `texts` more texts than `from`, or nothing moves for `stallMs`. */
async function settle(
  standIns: StandIns,
  from: StandInStats,
  goal: { posts: number; texts: number },
  stallMs = 10_000,
  limitMs = 300_000,
): Promise<{ reached: boolean; stats: StandInStats }> {
  const deadline = Date.now() + limitMs;
  let last = from;
  let movedAt = Date.now();
  for (;;) {
    const stats = await standIns.stats();
    if (stats.posts - from.posts >= goal.posts && stats.texts - from.texts >= goal.texts) {
      return { reached: true, stats };
    }
    if (stats.posts !== last.posts || stats.texts !== last.texts) movedAt = Date.now();
    last = stats;
    if (Date.now() - movedAt > stallMs || Date.now() > deadline) return { reached: false, stats };
    await Bun.sleep(20);
  }
}

// ─── 1 and 2: ingest bursts while X answers 503 ───────────────────────────────────────────────────────

type Ingest = { name: string; result?: BurstResult; skipped?: string };

async function ingest(standIns: StandIns): Promise<void> {
  const numbers = phones(NUMBERS, 0);
  const fileA = await writeRequests(file("burst-a"), numbers, BURST_LINES, "burst-a");
  const fileB = await writeRequests(file("burst-b"), numbers, BURST_LINES, "burst-b");
  const fill = await writeRequests(file("fill"), numbers, BACKLOG, "fill");
  const rows: Ingest[] = [];

  const peer = async (name: string, start: () => Promise<Peer>): Promise<void> => {
    const running = await start();
    try {
      rows.push({ name, result: await burst(running.url, fileA) });
    } finally {
      await running.stop();
    }
  };
  try {
    await peer("bare Bun (peers/bare)", startBare);
  } catch (error) {
    loud(`bare Bun peer failed: ${error}`);
    rows.push({ name: "bare Bun (peers/bare)", skipped: "failed" });
  }
  if (tools.fastapi) {
    try {
      await peer("FastAPI (peers/fastapi)", startFastApi);
    } catch (error) {
      loud(`FastAPI peer failed: ${error}`);
      rows.push({ name: "FastAPI (peers/fastapi)", skipped: "failed" });
    }
  } else rows.push({ name: "FastAPI (peers/fastapi)", skipped: "skipped: not installed" });

  const app = await startApp(standIns);
  let empty: BurstResult | undefined;
  let full: BurstResult | undefined;
  let stored = 0;
  let healthz = "?";
  try {
    await standIns.setX({ mode: "503", delayMs: 0 });
    const connectMs = await connectAll(app, standIns, numbers);
    say(`ingest: ${NUMBERS} numbers connected in ${ms(connectMs)}; every POST /2/tweets now answers 503`);
    empty = await burst(app.url, fileA);
    rows.push({ name: "smstweet, nothing pending", result: empty });
    stored = Math.min(BURST_LINES, empty.requests - empty.failed);

    const fillCount = BACKLOG - stored;
    say(
      `ingest: filling the backlog with ${count(fillCount)} more webhooks (Bun sender, ${CONNECTIONS} connections, ` +
        `at most ${FILL_SECONDS} s) …`,
    );
    const fillMeter = cpuMeter();
    const filled = await runSender("burst", app.url, fill, CONNECTIONS, fillCount, FILL_SECONDS);
    const fillOthers = fillMeter().others;
    if (filled.sent < fillCount) {
      loud(
        `backlog fill stopped after ${FILL_SECONDS} s with ${count(stored + filled.ok)} of ${count(BACKLOG)} texts pending ` +
          `(${perSecond(filled.rps)} on average): target 2 is measured at that backlog`,
      );
    }
    if (filled.ok !== filled.sent) {
      loud(
        `backlog fill: ${filled.sent - filled.ok} of ${filled.sent} webhooks failed (${filled.firstError ?? ""})`,
      );
    }
    stored += filled.ok;
    rows.push({
      name: "smstweet, filling the backlog",
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
      `ingest: backlog filled at ${perSecond(filled.rps)} (p99 ${ms(filled.p99)}); ${count(stored)} texts pending`,
    );
    full = await burst(app.url, fileB);
    rows.push({ name: `smstweet, ${count(stored)} pending`, result: full });
    const health = await fetch(`${app.url}/healthz`).catch(() => null);
    healthz = health ? `${health.status} ${(await health.text()).slice(0, 40)}` : "no answer";
    const stats = await standIns.stats();
    say(
      `ingest: X was called ${count(stats.tweetCalls)} times (${count(stats.tweet503)} answered 503), ` +
        `GET /healthz after: ${healthz}`,
    );
  } finally {
    await app.stop();
    say(`app log (ingest, LOG_LEVEL=warn): ${app.logSummary()}`);
  }

  printTable(
    `Ingest — POST /sms burst, ${CONNECTIONS} connections, ${BURST_SECONDS} s, distinct pre-signed webhooks from ${NUMBERS} connected numbers, X answering 503`,
    ["server", "tool", "req/s", "p50", "p99", "requests", "failed", "other CPU"],
    rows.map(({ name, result, skipped }) =>
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

  const fastapi = rows.find((r) => r.name.startsWith("FastAPI"))?.result;
  const bare = rows.find((r) => r.name.startsWith("bare"))?.result;
  const vs = (peerResult: BurstResult | undefined, goal: number, name: string): void => {
    if (!empty || !peerResult) {
      targets.push({
        target: `1. ingest burst, X 503: smstweet / ${name}`,
        figure: "—",
        goal: `≥ ${goal}×`,
        status: "SKIPPED",
      });
      return;
    }
    const value = empty.rps / peerResult.rps;
    targets.push({
      target: `1. ingest burst, X 503: smstweet / ${name}`,
      figure: `${ratio(value)} (${perSecond(empty.rps)} vs ${perSecond(peerResult.rps)}; p99 ${ms(empty.p99)} vs ${ms(peerResult.p99)})`,
      goal: `≥ ${goal}×`,
      status: meets(value >= goal),
    });
  };
  vs(fastapi, 3, "FastAPI");
  vs(bare, 0.2, "bare Bun");
  if (empty && full) {
    const value = full.rps / empty.rps;
    targets.push({
      target: `2. ingest with ${count(stored)} pending / with none`,
      figure: `${ratio(value)} (${perSecond(full.rps)} vs ${perSecond(empty.rps)}; p99 ${ms(full.p99)} vs ${ms(empty.p99)})`,
      goal: `≥ 0.80× at ${count(BACKLOG)} pending`,
      // Short of the backlog, only a miss is conclusive.
      status: value < 0.8 ? "MISSED" : stored >= BACKLOG ? "met" : "BLOCKED",
    });
  }
}

// ─── 4: drain with confirmations ──────────────────────────────────────────────────────────────────────

type Drain = {
  delayMs: number;
  posts: number;
  postsMs: number;
  allMs: number;
  reached: boolean;
  stats: StandInStats;
  outOfOrder: number;
  othersCpu: number;
};

async function drain(standIns: StandIns, delayMs: number, offset: number): Promise<Drain> {
  const numbers = phones(NUMBERS, offset);
  const posts = NUMBERS * DRAIN_TEXTS_PER_NUMBER;
  const texts = await writeRequests(file(`drain-${delayMs}`), numbers, posts, `drain-${delayMs}`);
  const app = await startApp(standIns);
  try {
    await standIns.setX({ mode: "ok", delayMs: 0 });
    await connectAll(app, standIns, numbers);
    // X holds every POST /2/tweets (unanswered) while the texts arrive, so posting starts all at once.
    await standIns.setX({ mode: "hold" });
    const sent = await runSender("burst", app.url, texts, CONNECTIONS);
    if (sent.ok !== posts) throw new Error(`${sent.ok} of ${posts} webhooks accepted: ${sent.firstError}`);
    await Bun.sleep(1_000);
    const before = await standIns.stats();
    const t0 = Date.now();
    await standIns.setX({ mode: "ok", delayMs });
    const meter = cpuMeter();
    const { reached, stats } = await settle(standIns, before, { posts, texts: posts });
    const othersCpu = meter().others;
    const order = await standIns.order();
    return {
      delayMs,
      posts: stats.posts - before.posts,
      postsMs: stats.lastPostAt - t0,
      allMs: Math.max(stats.lastPostAt, stats.lastTextAt) - t0,
      reached,
      stats: { ...stats, posts: stats.posts - before.posts, texts: stats.texts - before.texts },
      outOfOrder: order.outOfOrder,
      othersCpu,
    };
  } finally {
    await standIns.setX({ mode: "ok", delayMs: 0 });
    await app.stop();
    say(`app log (drain, X ${delayMs} ms, LOG_LEVEL=warn): ${app.logSummary()}`);
  }
}

async function drains(standIns: StandIns): Promise<void> {
  const rows: Drain[] = [];
  for (const [i, { delayMs, goal }] of [
    { delayMs: 0, goal: 500 },
    { delayMs: 300, goal: 150 },
  ].entries()) {
    const label = `4. drain, ${NUMBERS} numbers, confirmations included, X ${delayMs === 0 ? "at once" : `${delayMs} ms`}`;
    try {
      const row = await drain(standIns, delayMs, 100 * (i + 1));
      rows.push(row);
      const rate = (row.posts / row.allMs) * 1000;
      targets.push({
        target: label,
        figure: row.reached
          ? `${perSecond(rate)} (${count(row.posts)} posts + texts in ${seconds(row.allMs)})`
          : `${count(row.stats.posts)} posts, ${count(row.stats.texts)} confirmations, then nothing for 10 s`,
        goal: `≥ ${goal} posts/s`,
        status: row.reached ? meets(rate >= goal) : "BLOCKED",
      });
    } catch (error) {
      loud(`drain with X ${delayMs} ms failed: ${error}`);
      targets.push({
        target: label,
        figure: String(error).slice(0, 60),
        goal: `≥ ${goal} posts/s`,
        status: "ERROR",
      });
    }
  }
  printTable(
    `Drain — ${NUMBERS} connected numbers × ${DRAIN_TEXTS_PER_NUMBER} texts, held at X until all were in, then released`,
    [
      "X latency",
      "posts",
      "confirmations",
      "last post at",
      "last text at",
      "posts/s (posts only)",
      "posts/s (with texts)",
      "posts in flight",
      "order",
      "other CPU",
    ],
    rows.map((r) => [
      r.delayMs === 0 ? "at once" : `${r.delayMs} ms`,
      count(r.stats.posts),
      count(r.stats.texts),
      seconds(r.postsMs),
      seconds(r.allMs),
      perSecond((r.stats.posts / r.postsMs) * 1000),
      r.reached ? perSecond((r.posts / r.allMs) * 1000) : "incomplete",
      r.delayMs === 0 ? "—" : ((r.stats.posts / r.postsMs) * r.delayMs).toFixed(1),
      r.outOfOrder === 0 ? "kept" : `${r.outOfOrder} out of order`,
      cpu(r.othersCpu),
    ]),
  );
  say(
    `Ideal with ${NUMBERS} numbers side by side and X taking 300 ms: ${NUMBERS} / 0.3 s = ${perSecond(NUMBERS / 0.3)}. ` +
      "Times count from the release at X; posts in flight = posts/s × X's latency (numbers worked side by side).",
  );
}

// ─── 3 and 5: webhook latency at a fixed rate while draining, then memory ──────────────────────────────

async function rateAndMemory(standIns: StandIns): Promise<void> {
  const numbers = phones(NUMBERS, 300);
  const prefill = await writeRequests(file("prefill"), numbers, PREFILL, "drain-rate");
  const paced = await writeRequests(file("paced"), numbers, RATE * RATE_SECONDS, "drain-rate");
  const app = await startApp(standIns);
  try {
    await standIns.setX({ mode: "ok", delayMs: 0 });
    await connectAll(app, standIns, numbers);
    const connected = await standIns.stats();
    await standIns.setX({ mode: "hold" });
    const filled = await runSender("burst", app.url, prefill, CONNECTIONS);
    if (filled.ok !== PREFILL) throw new Error(`${filled.ok} of ${PREFILL} prefill webhooks accepted`);
    await Bun.sleep(500);
    const cpuBefore = app.cpuMs();
    const meter = cpuMeter();
    await standIns.setX({ mode: "ok" });
    const releasedAt = Date.now();
    const atStart = await standIns.stats();
    const load = await runSender("rate", app.url, paced, RATE);
    const atEnd = await standIns.stats();
    const windowMs = Date.now() - releasedAt;
    const appCpu = ((app.cpuMs() - cpuBefore) / windowMs) * 100;
    const othersCpu = meter().others;
    const drained = atEnd.posts - atStart.posts;
    const pending = MEMORY_TEXTS - (atEnd.posts - connected.posts);
    printTable(
      `Webhook latency — open loop at ${perSecond(RATE)} for ${RATE_SECONDS} s (Bun sender, own process, latency from each scheduled send), ` +
        `while ${count(PREFILL)} queued posts drain with X answering at once`,
      [
        "sent",
        "ok",
        "answered/s",
        "p50",
        "p90",
        "p99",
        "max",
        "sender lag p99",
        "posts/s meanwhile",
        "queued at end",
        "app CPU",
        "other CPU",
      ],
      [
        [
          count(load.sent),
          count(load.ok),
          perSecond(load.rps),
          ms(load.p50),
          ms(load.p90),
          ms(load.p99),
          ms(load.max),
          ms(load.lagP99),
          perSecond((drained / windowMs) * 1000),
          count(pending),
          cpu(appCpu),
          cpu(othersCpu),
        ],
      ],
    );
    if (load.ok !== load.sent) loud(`fixed-rate load: ${load.sent - load.ok} failed (${load.firstError})`);
    if (pending <= 0)
      loud("the backlog ran out during the fixed-rate window: the worker was not busy throughout");
    targets.push({
      target: `3. webhook p99 at ${perSecond(RATE)} while draining`,
      figure: `${ms(load.p99)} (p50 ${ms(load.p50)}, ${perSecond(load.rps)} answered, ${perSecond((drained / windowMs) * 1000)} posts meanwhile)`,
      goal: "< 20 ms",
      status: load.ok === load.sent ? meets(load.p99 < 20) : "MISSED",
    });

    say(`memory: waiting for all ${count(MEMORY_TEXTS)} posts and confirmations …`);
    const { reached, stats } = await settle(standIns, connected, {
      posts: MEMORY_TEXTS,
      texts: MEMORY_TEXTS,
    });
    const totalMs = Math.max(stats.lastPostAt, stats.lastTextAt) - releasedAt;
    const posted = stats.posts - connected.posts;
    const confirmed = stats.texts - connected.texts;
    await Bun.sleep(1_000);
    const memory = app.memory();
    say(
      `memory: ${count(posted)} posted and ${count(confirmed)} confirmed, the last ${seconds(totalMs)} after the release ` +
        `(${perSecond((posted / totalMs) * 1000)} overall); app VmRSS ${mb(memory.rss)}, VmHWM ${mb(memory.peak)}`,
    );
    targets.push({
      target: `5. app RSS after ${count(MEMORY_TEXTS)} texts posted and confirmed`,
      figure: `${mb(memory.rss)} (VmHWM ${mb(memory.peak)})${reached ? "" : `; only ${count(posted)} posts / ${count(confirmed)} confirmations`}`,
      goal: "< 120 MB",
      status: reached ? meets(memory.rss < 120 * 1e6) : "BLOCKED",
    });
  } finally {
    await app.stop();
    say(`app log (fixed rate and memory, LOG_LEVEL=warn): ${app.logSummary()}`);
  }
}

// ─── run ──────────────────────────────────────────────────────────────────────────────────────────────

async function attempt(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    loud(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    targets.push({ target: name, figure: "—", goal: "", status: "ERROR" });
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killChildren();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
}

const standIns = await startStandIns();
try {
  if (wanted("ingest")) await attempt("1–2. ingest", () => ingest(standIns));
  if (wanted("drain")) await attempt("4. drain", () => drains(standIns));
  if (wanted("rate")) await attempt("3 and 5. fixed-rate webhooks and memory", () => rateAndMemory(standIns));
} finally {
  await standIns.stop();
  rmSync(work, { recursive: true, force: true });
}

printTable(
  `Targets (issue 7) — one run, ${cpus().length} CPUs, ${seconds(performance.now() - started)} in all`,
  ["target", "figure", "goal", "status"],
  // Parts run in the order that reuses one app the most; the table reads in the issue's order.
  targets
    .toSorted((a, b) => Number.parseInt(a.target, 10) - Number.parseInt(b.target, 10))
    .map((t) => [t.target, t.figure, t.goal, t.status]),
  "llll",
);
const { bench: benchCpu, others: othersCpu } = runMeter();
say(
  `CPU over the run, in % of one core: bench processes (app, stand-ins, peers, load) ${benchCpu.toFixed(0)} %, ` +
    `other processes ${othersCpu.toFixed(0)} %; load average ${loadavg()[0]?.toFixed(2)} at the end. ` +
    "Other work on the machine moves absolute figures (the 'other CPU' columns show it), ratios less.",
);
for (const note of notes) say(`note: ${note}`);
