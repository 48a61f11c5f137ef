/**
 * Part 6: drain with two replicas vs one (issue 12). N numbers × M texts are held at X while they arrive,
 * webhooks alternating between the replicas, then released with X taking 300 ms; timed until every post is
 * at X and every confirmation at Twilio. Once with one app process, once with two on one database, each at
 * the same WORKER_CONCURRENCY, set low enough that it (not the numbers) binds one replica.
 */
import { connectAll } from "./connect";
import { type DatabaseTarget, DISPLAY, type PartDatabase } from "./databases";
import { cpu, meets, say, settle, targets } from "./outcome";
import { type AppProcess, cpuMeter, runSender, type StandIns, startApp } from "./processes";
import { count, mb, perSecond, printTable, ratio, seconds } from "./report";
import { phones, writeRequests } from "./requests";
import { sampleConnections } from "./sessions";

// Odd, so that with webhooks alternating line by line over round-robin numbers, each number's texts
// alternate between the replicas too.
const NUMBERS = 97;
const TEXTS_PER_NUMBER = 8;
const DELAY_MS = 300;
const CONCURRENCY = process.env.BENCH_REPLICA_CONCURRENCY ?? "24";
const GOAL = 1.8;

type Run = {
  replicas: number;
  posts: number;
  texts: number;
  xCalls: number;
  allMs: number;
  reached: boolean;
  outOfOrder: number;
  duplicates: number;
  rss: number[];
  connections: number[] | null;
  othersCpu: number;
};

const rate = (run: Run): number => (run.posts / run.allMs) * 1000;

async function drainWith(
  standIns: StandIns,
  target: DatabaseTarget,
  replicas: number,
  offset: number,
  path: string,
): Promise<Run> {
  const db: PartDatabase = await target.fresh(`replicas${replicas}`);
  const apps: AppProcess[] = [];
  try {
    const env = { WORKER_CONCURRENCY: CONCURRENCY };
    // One after the other: this part measures draining, not two replicas migrating at once.
    for (let i = 0; i < replicas; i++) apps.push(await startApp(standIns, db, env));
    const numbers = phones(NUMBERS, offset);
    const total = NUMBERS * TEXTS_PER_NUMBER;
    const file = await writeRequests(path, numbers, total, `replicas-${replicas}-${target.kind}`);
    await standIns.setX({ mode: "ok", delayMs: 0 });
    await connectAll(apps[0] as AppProcess, standIns, numbers);
    const connected = await standIns.stats();
    await standIns.setX({ mode: "hold" });
    const sent = await runSender(
      "burst",
      apps.map((app) => app.url),
      file,
      32,
    );
    if (sent.ok !== total) throw new Error(`${sent.ok} of ${total} webhooks accepted: ${sent.firstError}`);
    await Bun.sleep(1_000);
    const before = await standIns.stats();
    const orderBefore = await standIns.order();
    const connections =
      target.kind === "postgres"
        ? sampleConnections(
            db,
            apps.map((app) => app.pid),
          )
        : null;
    const meter = cpuMeter();
    const t0 = Date.now();
    await standIns.setX({ mode: "ok", delayMs: DELAY_MS });
    const { reached, stats } = await settle(standIns, before, { posts: total, texts: total });
    const othersCpu = meter().others;
    const order = await standIns.order();
    return {
      replicas,
      posts: stats.posts - before.posts,
      texts: stats.texts - before.texts,
      // Held calls count from their arrival, so from `connected`, not from the release.
      xCalls: stats.tweetCalls - connected.tweetCalls,
      allMs: Math.max(stats.lastPostAt, stats.lastTextAt) - t0,
      reached,
      outOfOrder: order.outOfOrder - orderBefore.outOfOrder,
      duplicates: order.duplicates - orderBefore.duplicates,
      rss: apps.map((app) => app.memory().rss),
      connections: connections ? await connections() : null,
      othersCpu,
    };
  } finally {
    await standIns.setX({ mode: "ok", delayMs: 0 });
    for (const app of apps) {
      await app.stop();
      say(`app log (replicas ×${replicas}, ${DISPLAY[target.kind]}, LOG_LEVEL=warn): ${app.logSummary()}`);
    }
    await db.drop();
  }
}

/** Runs part 6 on `target`; `index` keeps each database's numbers apart. */
export async function replicaDrain(
  standIns: StandIns,
  target: DatabaseTarget,
  index: number,
  file: (name: string) => string,
): Promise<void> {
  const name = DISPLAY[target.kind];
  const runs: Run[] = [];
  for (const replicas of [1, 2]) {
    const offset = 400 + 200 * index + 100 * (replicas - 1);
    runs.push(
      await drainWith(standIns, target, replicas, offset, file(`replicas-${target.kind}-${replicas}`)),
    );
  }
  printTable(
    `Drain on ${name}, one replica then two — ${NUMBERS} numbers × ${TEXTS_PER_NUMBER} texts held at X, webhooks alternating ` +
      `between replicas, X taking ${DELAY_MS} ms, WORKER_CONCURRENCY=${CONCURRENCY} per replica`,
    [
      "replicas",
      "posts",
      "confirmations",
      "calls to X",
      "last at",
      "posts/s (with texts)",
      "order",
      "posted twice",
      "RSS per replica",
      "PG connections per replica",
      "other CPU",
    ],
    runs.map((run) => [
      String(run.replicas),
      count(run.posts),
      count(run.texts),
      count(run.xCalls),
      seconds(run.allMs),
      run.reached ? perSecond(rate(run)) : "incomplete",
      run.outOfOrder === 0 ? "kept" : `${run.outOfOrder} out of order`,
      count(run.duplicates),
      run.rss.map(mb).join(", "),
      run.connections ? run.connections.join(", ") : "—",
      cpu(run.othersCpu),
    ]),
  );
  const [one, two] = runs as [Run, Run];
  const total = NUMBERS * TEXTS_PER_NUMBER;
  const wrong = runs.flatMap((run) => [
    ...(run.outOfOrder > 0 ? [`${run.outOfOrder} out of order with ${run.replicas}`] : []),
    ...(run.duplicates > 0 ? [`${run.duplicates} posted twice with ${run.replicas}`] : []),
    ...(run.xCalls > total ? [`${run.xCalls - total} extra calls to X with ${run.replicas}`] : []),
  ]);
  const value = rate(two) / rate(one);
  targets.push({
    target: `6. drain, X ${DELAY_MS} ms, ${name}: two replicas / one`,
    figure:
      one.reached && two.reached
        ? `${ratio(value)} (${perSecond(rate(two))} vs ${perSecond(rate(one))})${wrong.length ? `; ${wrong.join(", ")}` : ""}`
        : `incomplete: ${count(one.posts)} and ${count(two.posts)} of ${count(total)} posts`,
    goal: `≥ ${GOAL}×, order kept, nothing twice`,
    status: one.reached && two.reached ? meets(value >= GOAL && wrong.length === 0) : "MISSED",
  });
  say(
    `Ideal with X taking ${DELAY_MS} ms: ${CONCURRENCY} posts in flight per replica = ` +
      `${perSecond(Number(CONCURRENCY) / (DELAY_MS / 1000))} per replica.`,
  );
}
