/**
 * What bench/pg-drivers.ts checks besides speed: each driver against the needs of the engine and the
 * webhook (LISTEN/NOTIFY, a reserved connection, int8, sslmode in the URL, the pool bound, failures that
 * error rather than hang). Prints one line per check and driver.
 */
import { SQL } from "bun";
import postgres from "postgres";

type Client = {
  query(text: string): Promise<Record<string, unknown>[]>;
  listen(channel: string, onPayload: (payload: string) => void): Promise<unknown>;
  reserve(): Promise<{ query(text: string): Promise<Record<string, unknown>[]>; release(): void }>;
  close(): Promise<void>;
};

export const openers: Record<string, (url: string, max: number) => Client> = {
  "bun-sql": (url, max) => {
    const sql = new SQL(url, { max, connectionTimeout: 5 });
    return {
      query: (text) => sql.unsafe(text),
      listen: (channel, on) => sql.listen(channel, on),
      reserve: async () => {
        const r = await sql.reserve();
        return { query: (text) => r.unsafe(text), release: () => r.release() };
      },
      close: () => sql.close(),
    };
  },
  "postgres.js": (url, max) => {
    const sql = postgres(url, { max, connect_timeout: 5, onnotice: () => {} });
    return {
      query: (text) => sql.unsafe(text) as Promise<Record<string, unknown>[]>,
      listen: (channel, on) => sql.listen(channel, on),
      reserve: async () => {
        const r = await sql.reserve();
        return {
          query: (text) => r.unsafe(text) as Promise<Record<string, unknown>[]>,
          release: () => r.release(),
        };
      },
      close: () => sql.end({ timeout: 1 }),
    };
  },
};

async function attempt(what: () => Promise<string>): Promise<string> {
  const started = performance.now();
  const timeout = Bun.sleep(10_000).then(() => "HANGS (no answer in 10 s)");
  try {
    const result = await Promise.race([what(), timeout]);
    return `${result} (${(performance.now() - started).toFixed(0)} ms)`;
  } catch (error) {
    const e = error as { code?: string; errno?: string; message?: string };
    return `error ${e.errno ?? e.code ?? ""}: ${e.message?.slice(0, 60)} (${(performance.now() - started).toFixed(0)} ms)`;
  }
}

export async function checkDrivers(url: string): Promise<void> {
  const refused = new URL(url);
  refused.port = "1";
  const wrong = new URL(url);
  wrong.password = "wrong";
  for (const [name, open] of Object.entries(openers)) {
    const line = (check: string, result: string): void =>
      console.log(`${name.padEnd(12)} ${check.padEnd(28)} ${result}`);
    const sql = open(url, 3);
    line(
      "LISTEN/NOTIFY",
      await attempt(async () => {
        let got = "";
        await sql.listen("bench_wake", (p) => {
          got = p;
        });
        await sql.query("SELECT pg_notify('bench_wake', 'hi')");
        for (let i = 0; i < 200 && got === ""; i++) await Bun.sleep(5);
        return got === "hi" ? "delivered" : "NOT delivered";
      }),
    );
    line(
      "reserve + advisory lock",
      await attempt(async () => {
        const r = await sql.reserve();
        await r.query("SELECT pg_advisory_lock(42)");
        await r.query("SELECT pg_advisory_unlock(42)");
        r.release();
        return "works";
      }),
    );
    line(
      "int8 arrives as",
      await attempt(async () => {
        const [row] = await sql.query("SELECT 4102444800000::int8 AS n");
        return `${typeof row?.n} (Drizzle's bigint mode:number maps it)`;
      }),
    );
    line(
      "pool max 3, 20 queries",
      await attempt(async () => {
        await Promise.all(Array.from({ length: 20 }, () => sql.query("SELECT pg_sleep(0.02)")));
        const [row] = await sql.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'",
        );
        return `${row?.n} server connections, LISTEN's own included`;
      }),
    );
    line(
      "after pg_terminate_backend",
      await attempt(async () => {
        await sql.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'",
        );
        const first = await sql.query("SELECT 1").then(
          () => "ok",
          (e) => `fails (${e.errno ?? e.code})`,
        );
        const second = await sql.query("SELECT 1").then(
          () => "ok",
          (e) => `fails (${e.errno ?? e.code})`,
        );
        return `next query ${first}, then ${second}`;
      }),
    );
    await sql.close().catch(() => {});
    for (const [check, target] of [
      ["sslmode=require, no TLS", `${url}?sslmode=require`],
      ["wrong password", wrong.toString()],
      ["connection refused", refused.toString()],
    ] as const) {
      const client = open(target, 1);
      line(
        check,
        await attempt(async () => {
          await client.query("SELECT 1");
          return "CONNECTED";
        }),
      );
      await client.close().catch(() => {});
    }
  }
  console.log();
}
