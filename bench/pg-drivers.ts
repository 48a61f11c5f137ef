/**
 * `bun bench/pg-drivers.ts`: Bun's built-in SQL client against postgres.js, both under Drizzle, on what the
 * webhook does to PostgreSQL: per accepted text, `INSERT … ON CONFLICT DO NOTHING RETURNING` of its hashed
 * MessageSid, then the text and its job, `synchronous_commit` on (a real fsync per commit). Many requests
 * in flight; group commit (one transaction for whatever arrived while the last commit ran) and one
 * transaction per request. Prints rows/s and p99 per driver and mode; decides nothing by itself.
 */
import { createHmac } from "node:crypto";
import { SQL } from "bun";
import { drizzle as bunDrizzle } from "drizzle-orm/bun-sql";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as pgjsDrizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { migratePostgres } from "../src/db/postgres";
import * as schema from "../src/db/schema.pg";
import { startCluster } from "../test/support/postgres-server";
import { checkDrivers } from "./pg-driver-checks";

const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const POOL = 10;

type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
type Text = { sid: string; phone: string; body: string };

async function storeBatch(db: Db, texts: Text[], now: number): Promise<number> {
  return db.transaction(async (tx) => {
    const fresh = await tx
      .insert(schema.messageSids)
      .values(texts.map((t) => ({ sidHash: t.sid, receivedAt: now })))
      .onConflictDoNothing()
      .returning({ sidHash: schema.messageSids.sidHash });
    const kept = new Set(fresh.map((r) => r.sidHash));
    const rows = texts.filter((t) => kept.has(t.sid));
    if (rows.length === 0) return 0;
    const ids = await tx
      .insert(schema.inboundMessages)
      .values(
        rows.map((t) => ({
          sid: `${now}:${t.sid}`,
          phone: t.phone,
          body: t.body,
          receivedAt: now,
          nextAttemptAt: now,
        })),
      )
      .returning({ id: schema.inboundMessages.id });
    await tx.insert(schema.jobs).values(
      ids.map((r, i) => ({
        kind: "inbound",
        lane: `text:${rows[i]?.phone}`,
        payload: JSON.stringify({ messageId: r.id }),
        state: "pending" as const,
        runAt: now,
        createdAt: now,
      })),
    );
    return rows.length;
  });
}

/** Group commit: a request joins the batch being formed; one transaction per batch, one at a time. */
function groupCommitter(db: Db): (t: Text) => Promise<void> {
  let queue: { text: Text; done: () => void; fail: (e: unknown) => void }[] = [];
  let busy = false;
  const flush = async (): Promise<void> => {
    busy = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await storeBatch(
          db,
          batch.map((b) => b.text),
          Date.now(),
        );
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.fail(error);
      }
    }
    busy = false;
  };
  return (text) =>
    new Promise<void>((done, fail) => {
      queue.push({ text, done, fail });
      if (!busy) void flush();
    });
}

const SECRET = "bench-auth-token";
let serial = 0;
function signedText(): Text {
  const n = serial++;
  const sid = `SM${n.toString(16).padStart(32, "0")}`;
  // What the webhook does per request besides storing: check Twilio's signature, hash the sid.
  createHmac("sha1", SECRET).update(`https://bench/sms${sid}`).digest("base64");
  const hash = new Bun.CryptoHasher("sha256").update(sid).digest("hex");
  return { sid: hash, phone: `+1415555${String(n % 1000).padStart(4, "0")}`, body: `text ${n}` };
}

async function load(
  store: (t: Text) => Promise<unknown>,
): Promise<{ rows: number; rate: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await store(signedText());
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rows: latencies.length,
    rate: latencies.length / elapsed,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
  };
}

const drivers: Record<string, (url: string) => { db: Db; close: () => Promise<void> }> = {
  "bun-sql": (url) => {
    const client = new SQL(url, { max: POOL });
    return { db: bunDrizzle({ client, schema }) as unknown as Db, close: () => client.close() };
  },
  "postgres.js": (url) => {
    const client = postgres(url, { max: POOL, onnotice: () => {} });
    return { db: pgjsDrizzle(client, { schema }) as unknown as Db, close: () => client.end() };
  },
};

const cluster = startCluster({ fsync: true, watchParent: true });
try {
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await admin`ALTER SYSTEM SET synchronous_commit = on`;
  console.log(`PostgreSQL: ${(await admin`SELECT version()`)[0]?.version}`);
  await checkDrivers(cluster.url);
  console.log(
    `${IN_FLIGHT} requests in flight, pool ${POOL}, ${SECONDS} s per row, fsync and synchronous_commit on\n`,
  );
  let round = 0;
  for (const mode of ["group commit", "per request"] as const) {
    // A-B-B-A, so that neither driver always runs on a warmer (or busier) machine.
    const order = Object.entries(drivers);
    for (const [name, open] of [...order, ...[...order].reverse()]) {
      const dbName = `bench_${round++}`;
      await admin.unsafe(`CREATE DATABASE ${dbName}`);
      const url = cluster.url.replace(/\/postgres$/, `/${dbName}`);
      await migratePostgres(url);
      const { db, close } = open(url);
      const store =
        mode === "group commit" ? groupCommitter(db) : (t: Text) => storeBatch(db, [t], Date.now());
      const r = await load(store);
      await close();
      console.log(
        `${mode.padEnd(13)} ${name.padEnd(12)} ${r.rate.toFixed(0).padStart(7)} rows/s   p99 ${r.p99.toFixed(1)} ms`,
      );
    }
  }
  await admin.end();
} finally {
  cluster.stop();
}
