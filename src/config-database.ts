import { parseCount } from "./config-values";
/**
 * Which database the process uses (spec: configuration): PostgreSQL when DATABASE_URL is set, else the
 * SQLite file at DATABASE_PATH. The URL carries a password, so nothing here ever repeats it.
 */

export type DatabaseConfig =
  | Readonly<{ dialect: "sqlite"; path: string }>
  | Readonly<{ dialect: "postgres"; url: string; poolSize: number }>;

/** libpq's modes that both the URL and the driver understand the same way. */
export const SSL_MODES = ["disable", "prefer", "require", "verify-full"] as const;

export type SslMode = (typeof SSL_MODES)[number];

export const DEFAULT_POOL_SIZE = 10;

/** Far above what one PostgreSQL server admits by default (100): a typo, not a plan. */
const MAX_POOL_SIZE = 1_000;

export type DatabaseChoice = { database: DatabaseConfig; notices: string[] };

/** `path` is DATABASE_PATH as the mode resolved it; problems go with every other config problem. */
export function parseDatabase(
  url: string | undefined,
  poolSize: string | undefined,
  path: string,
  pathSet: boolean,
  problems: string[],
): DatabaseChoice {
  const size = parseCount("DATABASE_POOL_SIZE", poolSize, DEFAULT_POOL_SIZE, problems, MAX_POOL_SIZE);
  if (url === undefined) return { database: Object.freeze({ dialect: "sqlite", path }), notices: [] };
  checkPostgresUrl(url, problems);
  const notices = pathSet
    ? [`DATABASE_URL is set, so DATABASE_PATH (${path}) is ignored: the data lives in ${redactUrl(url)}`]
    : [];
  return { database: Object.freeze({ dialect: "postgres", url, poolSize: size }), notices };
}

function checkPostgresUrl(raw: string, problems: string[]): void {
  const url = parseUrl(raw);
  if (url === undefined || !/^postgres(ql)?:$/.test(url.protocol) || url.hostname === "") {
    // Not even the redacted value: a malformed URL may hide its password where no parser finds it.
    const seen =
      url === undefined ? "not a URL" : `a ${url.protocol}// URL${url.hostname ? "" : " without a host"}`;
    problems.push(
      `DATABASE_URL must be a postgres:// or postgresql:// URL with a host (e.g. postgres://user:password@host:5432/smstweet); it is ${seen}`,
    );
    return;
  }
  const sslmode = url.searchParams.get("sslmode");
  if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) {
    problems.push(`DATABASE_URL's sslmode must be one of ${SSL_MODES.join(", ")}, not "${sslmode}"`);
  }
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The URL as it may be shown in a message or a log: the password replaced, whatever else is wrong with it. */
export function redactUrl(raw: string): string {
  const url = parseUrl(raw);
  if (url !== undefined && url.password !== "") {
    url.password = "***";
    return url.toString();
  }
  if (url !== undefined) return url.toString();
  // Unparsable: drop anything between the scheme's "//" and the last "@", where a password would sit.
  return raw.replace(/\/\/[^/?#]*@/, "//***@");
}

export type PoolShares = { main: number; delivery: number };

/**
 * DATABASE_POOL_SIZE is per process: its main thread (webhook, pages, health) and its delivery thread (a
 * Worker with its own pool) share it. The webhook group-commits a batch on one connection and its reads are
 * short, so it keeps a third; the delivery thread takes the rest minus one, which is its LISTEN connection
 * (idle workers are woken by NOTIFY). A `web` replica runs no delivery thread and keeps them all; a `worker`
 * replica's main thread only answers health and metrics. Below 3 the split cannot hold: each part still gets
 * one connection, so such a process may open up to 3.
 */
export function poolShares(total: number, role: "all" | "web" | "worker"): PoolShares {
  if (role === "web") return { main: total, delivery: 0 };
  const main = role === "worker" ? 1 : Math.max(1, Math.floor(total / 3));
  return { main, delivery: Math.max(1, total - main - 1) };
}

/** Where the data lives, as a log line or banner may say it: the file, or the URL without its password. */
export function describeDatabase(database: DatabaseConfig): string {
  return database.dialect === "sqlite" ? database.path : redactUrl(database.url);
}
