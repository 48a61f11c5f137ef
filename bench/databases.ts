/**
 * The databases the bench runs the app on (`BENCH_DB=sqlite,postgres`): SQLite, a fresh file per part; or
 * PostgreSQL, a fresh database per part, on a throwaway cluster the bench starts (bench/postgres.ts) or on
 * the loopback server named by `BENCH_DATABASE_URL`. The app is told only what an operator would set.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { type Cluster, missingPostgres, startCluster } from "./postgres";
import { freePort } from "./processes";

export type DatabaseKind = "sqlite" | "postgres";
export const DISPLAY: Record<DatabaseKind, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

/** One part's database, shared by every app process of that part. */
export type PartDatabase = {
  kind: DatabaseKind;
  env: Record<string, string>;
  /** PostgreSQL: the client ports of the sessions now open on this database (the bench's own excluded). */
  sessions(): Promise<number[]>;
  /** Null when the app keeps its data where it was told; else why it does not (it ignored DATABASE_URL). */
  misplaced(): Promise<string | null>;
  drop(): Promise<void>;
};

export type DatabaseTarget = {
  kind: DatabaseKind;
  /** What the rows measured on it are running on, for the report. */
  describe: string;
  fresh(part: string): Promise<PartDatabase>;
  stop(): Promise<void>;
  stopNow(): void;
};

/** A target that cannot run here; its rows print `status` with `reason`, never a figure. */
export type Unavailable = { kind: DatabaseKind; status: "SKIPPED" | "BLOCKED"; reason: string };

const POOL_SIZE = process.env.DATABASE_POOL_SIZE ?? "10";

/** Every part's temp dir not yet dropped, so that an interrupted bench leaves none behind. */
const dirs = new Set<string>();
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-bench-"));
  dirs.add(dir);
  return dir;
}
function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}
/** Removes what the parts of an interrupted run left (their apps are killed first). */
export function removeTempDirs(): void {
  for (const dir of dirs) removeDir(dir);
}
export const poolSize = (): number => Number(POOL_SIZE);

function sqlite(): DatabaseTarget {
  return {
    kind: "sqlite",
    describe: "SQLite (WAL, synchronous=FULL for acknowledged texts), a fresh file per part",
    fresh: async () => {
      const dir = tempDir();
      return {
        kind: "sqlite",
        env: { DATABASE_PATH: join(dir, "app.db") },
        sessions: async () => [],
        misplaced: async () => (existsSync(join(dir, "app.db")) ? null : "no SQLite file was written"),
        drop: async () => removeDir(dir),
      };
    },
    stop: async () => {},
    stopNow: () => {},
  };
}

const isLoopback = (url: string): boolean => {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
};

async function postgres(): Promise<DatabaseTarget | Unavailable> {
  const given = process.env.BENCH_DATABASE_URL;
  let cluster: Cluster | null = null;
  if (given) {
    if (!isLoopback(given)) {
      return {
        kind: "postgres",
        status: "SKIPPED",
        reason: "BENCH_DATABASE_URL must name a loopback server",
      };
    }
  } else {
    const missing = missingPostgres();
    if (missing) return { kind: "postgres", status: "SKIPPED", reason: `no PostgreSQL here: ${missing}` };
    cluster = startCluster(freePort());
  }
  const adminUrl = given ?? cluster?.url ?? "";
  const admin = new SQL(adminUrl, { max: 1 });
  const [settings] = (await admin`select version() v, current_setting('fsync') f,
    current_setting('synchronous_commit') s`) as { v: string; f: string; s: string }[];
  const version = settings?.v.split(" ").slice(0, 2).join(" ") ?? "PostgreSQL";
  let made = 0;
  return {
    kind: "postgres",
    describe:
      `${version}, fsync ${settings?.f}, synchronous_commit ${settings?.s}, ` +
      `${cluster ? "a throwaway cluster on loopback" : "BENCH_DATABASE_URL"}, a fresh database per part, ` +
      `DATABASE_POOL_SIZE=${POOL_SIZE}`,
    fresh: async (part) => {
      const name = `bench_${part.replace(/\W/g, "_")}_${process.pid}_${++made}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const own = new SQL(url.toString(), { max: 1 });
      // An app that ignores DATABASE_URL falls back to DATABASE_PATH: it gets a temp file, not ./data/.
      const dir = tempDir();
      const fallback = join(dir, "app.db");
      return {
        kind: "postgres",
        env: { DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: POOL_SIZE, DATABASE_PATH: fallback },
        sessions: async () =>
          (
            (await own`select client_port from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid() and client_port is not null`) as {
              client_port: number;
            }[]
          ).map((row) => row.client_port),
        misplaced: async () => {
          const [row] = (await own`select count(*)::int as n from information_schema.tables
            where table_schema not in ('pg_catalog', 'information_schema')`) as { n: number }[];
          if ((row?.n ?? 0) > 0) return null;
          return existsSync(fallback)
            ? "the app ignores DATABASE_URL (healthy with no table in PostgreSQL; it wrote DATABASE_PATH)"
            : "the app answered /healthz without creating any table in PostgreSQL";
        },
        drop: async () => {
          await own.close();
          removeDir(dir);
          await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
    stop: async () => {
      await admin.close();
      await cluster?.stop();
    },
    stopNow: () => cluster?.stopNow(),
  };
}

/** The targets BENCH_DB asks for (both by default); PostgreSQL is SKIPPED, loudly, where it cannot run. */
export async function databaseTargets(): Promise<(DatabaseTarget | Unavailable)[]> {
  const asked = (process.env.BENCH_DB ?? "sqlite,postgres").split(",").map((name) => name.trim());
  const targets: (DatabaseTarget | Unavailable)[] = [];
  if (asked.includes("sqlite")) targets.push(sqlite());
  if (asked.includes("postgres")) {
    try {
      targets.push(await postgres());
    } catch (error) {
      targets.push({ kind: "postgres", status: "SKIPPED", reason: `PostgreSQL did not start: ${error}` });
    }
  }
  return targets;
}

export const available = (target: DatabaseTarget | Unavailable): target is DatabaseTarget =>
  !("status" in target);
