import { join } from "node:path";
import type { SQL } from "bun";
import { type BunSQLDatabase, drizzle } from "drizzle-orm/bun-sql";
import { migrate } from "drizzle-orm/bun-sql/migrator";
import { redactUrl } from "../config-database";
import * as schema from "./schema.pg";

/**
 * The PostgreSQL connection: Bun's built-in SQL client under Drizzle, chosen over postgres.js by
 * bench/pg-drivers.ts (1.3–1.7× its group-commit rate on a quiet machine, even under load; ahead on
 * per-request commits in every run), nothing to install, LISTEN/NOTIFY and reserve() built in, and
 * errors that name the problem (TLS refused, timeout). `sslmode` is read from the URL as libpq means it.
 * Connections: at most `poolSize`, plus one while LISTEN is in use and one while migrating.
 */
export type PostgresDatabase = BunSQLDatabase<typeof schema> & { $client: SQL };

export type PostgresSettings = { url: string; poolSize: number };

export const PG_MIGRATIONS = join(import.meta.dir, "../../drizzle/postgres");

/** pg_advisory_lock's key for migrations: any fixed int8, the same in every replica and release. */
export const MIGRATION_LOCK = 0x736d7374_6d696772n;

/** Long enough for a managed database waking up; short enough that a wrong host fails a deploy visibly. */
const CONNECT_TIMEOUT_SECONDS = 10;

export class PostgresError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = "PostgresError";
  }
}

/** Migrates (once across replicas started together), then opens a pool of `poolSize` connections. */
export async function openPostgres(settings: PostgresSettings): Promise<PostgresDatabase> {
  await migratePostgres(settings.url);
  const client = new Bun.SQL(settings.url, {
    max: settings.poolSize,
    connectionTimeout: CONNECT_TIMEOUT_SECONDS,
    // int8 as bigint, never as a string: the executor can tell it from text and make it a number.
    bigint: true,
  });
  try {
    await client`SELECT 1`;
  } catch (error) {
    await client.close().catch(() => {});
    throw failure("Could not connect to PostgreSQL", settings.url, error);
  }
  return drizzle({ client, schema });
}

/**
 * Applies pending migrations on one reserved connection holding an advisory lock: a replica that starts
 * while another migrates waits for it, then finds nothing left to do. The lock is the session's, so a
 * replica killed mid-migration releases it with its connection (and its transaction rolls back).
 */
export async function migratePostgres(url: string): Promise<void> {
  const client = new Bun.SQL(url, { max: 1, connectionTimeout: CONNECT_TIMEOUT_SECONDS });
  try {
    const reserved = await client.reserve();
    try {
      await reserved`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
      try {
        await migrate(drizzle({ client: reserved }), { migrationsFolder: PG_MIGRATIONS });
      } finally {
        await reserved`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
      }
    } finally {
      reserved.release();
    }
  } catch (error) {
    throw failure("Could not migrate the PostgreSQL database", url, error);
  } finally {
    await client.close().catch(() => {});
  }
}

/** Waits for queries in flight (up to a few seconds), then closes every connection. */
export async function closePostgres(db: PostgresDatabase): Promise<void> {
  await db.$client.close({ timeout: 5 });
}

/** What went wrong in an operator's words, with the URL shown redacted and the password nowhere. */
function failure(what: string, url: string, error: unknown): PostgresError {
  const password = passwordOf(url);
  const scrub = (text: string): string => (password ? text.replaceAll(password, "***") : text);
  const detail = scrub(describe(error, url));
  const raw = error instanceof Error ? error.message : String(error);
  // The cause is kept for its code and stack, unless its own words carry the password.
  const cause = password && raw.includes(password) ? new Error(scrub(raw)) : error;
  return new PostgresError(`${what} at ${redactUrl(url)}: ${detail}`, { cause });
}

function describe(error: unknown, url: string): string {
  const e = error as { code?: string; errno?: string; message?: string };
  const message = e.message ?? String(error);
  if (e.errno === "28P01") return `wrong user or password (${message})`;
  if (e.errno === "3D000") return `the database does not exist (${message})`;
  if (e.code === "ERR_POSTGRES_TLS_NOT_AVAILABLE") {
    return `the server does not accept TLS, which sslmode=${new URL(url).searchParams.get("sslmode")} requires`;
  }
  if (/CERT|SIGN|ALTNAME/.test(e.code ?? "")) {
    return `the server's TLS certificate failed verification, which sslmode=verify-full requires (${message})`;
  }
  if (e.code === "ERR_POSTGRES_CONNECTION_REFUSED")
    return "connection refused (is the server running, on that port?)";
  if (e.code === "ERR_POSTGRES_CONNECTION_TIMEOUT") return `no answer within ${CONNECT_TIMEOUT_SECONDS} s`;
  return message;
}

function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}
