import { SQL } from "bun";
import { migratePostgres } from "../../src/db/postgres";
import { type Cluster, findPostgresBin, startCluster } from "./postgres-server";

/**
 * PostgreSQL for tests (spec: "Databases in tests"): TEST_DATABASE_URL when set (loopback only; DATABASE_URL
 * is never read, Bun loads `.env`), else ONE throwaway cluster per `bun test` process, stopped at exit.
 * Each test takes its own database from `freshDatabase()`. Without PostgreSQL, `hasPostgres` is false,
 * tests that need it are skipped (`describe.skipIf(!hasPostgres)`) and a banner says so.
 */

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

function givenUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) return undefined;
  const host = new URL(url).hostname;
  if (!LOOPBACK.test(host)) {
    throw new Error(
      `TEST_DATABASE_URL points at ${host}: tests create and drop databases, so they run only against a loopback server`,
    );
  }
  return url;
}

const given = givenUrl();

export const hasPostgres: boolean = given !== undefined || findPostgresBin() !== undefined;

if (!hasPostgres) {
  const line = "=".repeat(78);
  console.warn(
    `\n${line}\n  PostgreSQL pass SKIPPED: PostgreSQL 15+ is not installed and TEST_DATABASE_URL is unset.\n` +
      `  Tests named "on PostgreSQL" did not run. Install Debian's postgresql (or run .ci/run).\n${line}\n`,
  );
}

let server: Promise<{ url: string; admin: SQL }> | undefined;
let template: Promise<string> | undefined;

/** The server every test of this process shares: started on first use. */
export function postgresServer(): Promise<{ url: string; admin: SQL }> {
  server ??= (async () => {
    let url = given;
    if (url === undefined) {
      const cluster: Cluster = startCluster({ watchParent: true });
      process.once("exit", () => cluster.stop());
      url = cluster.url;
    }
    return { url, admin: new SQL(url, { max: 2 }) };
  })();
  return server;
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** Migrated once per process; copying it is much faster than migrating each test's database. */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const { url, admin } = await postgresServer();
    const name = uniqueName("smstweet_template");
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await migratePostgres(databaseUrl(url, name));
    return name;
  })();
  return template;
}

export type FreshDatabase = { url: string; name: string; drop(): Promise<void> };

/** A database of its own for one test: migrated (from the template), or empty with `migrated: false`. */
export async function freshDatabase(options: { migrated?: boolean } = {}): Promise<FreshDatabase> {
  const { url, admin } = await postgresServer();
  const from = options.migrated === false ? "template0" : await migratedTemplate();
  const name = uniqueName("smstweet_test");
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${from}`);
  return {
    url: databaseUrl(url, name),
    name,
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
