import { describe, expect, it } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { hasPostgres } from "../support/postgres";

const ROOT = join(import.meta.dir, "../..");

/** Without TEST_DATABASE_URL and DATABASE_URL from this process, so each case sets only what it means. */
function env(extra: Record<string, string>): Record<string, string> {
  const { TEST_DATABASE_URL: _t, DATABASE_URL: _d, ...rest } = process.env;
  return { ...(rest as Record<string, string>), ...extra };
}

async function run(args: string[], extra: Record<string, string> = {}) {
  const child = Bun.spawn(args, { cwd: ROOT, env: env(extra), stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, out: stdout + stderr };
}

describe("the test database", () => {
  it("should skip the PostgreSQL tests loudly on a machine without PostgreSQL", async () => {
    const { code, out } = await run(["bun", "test", "test/db/schema-drift.test.ts"], {
      SMSTWEET_TEST_PG_ROOT: "/nonexistent",
    });
    expect(code).toBe(0);
    expect(out).toContain("PostgreSQL pass SKIPPED");
    expect(out).toMatch(/\(skip\) the PostgreSQL migrations, on PostgreSQL/);
    expect(out).toMatch(/ 0 fail/);
  }, 30_000);

  it("should refuse a TEST_DATABASE_URL that is not on loopback, naming the host", async () => {
    const { code, out } = await run(["bun", "test", "test/db/schema-drift.test.ts"], {
      TEST_DATABASE_URL: "postgres://app:pw@db.example.org:5432/smstweet",
    });
    expect(code).not.toBe(0);
    expect(out).toContain("TEST_DATABASE_URL points at db.example.org");
  }, 30_000);
});

describe.skipIf(!hasPostgres)("the cluster CLI for .ci/run, on PostgreSQL", () => {
  it("should start a cluster that outlives it on loopback, and stop and delete it", async () => {
    const started = await run(["bun", "test/support/postgres-cluster.ts", "start"]);
    expect(started.code).toBe(0);
    const url = started.out.match(/^TEST_DATABASE_URL=(\S+)$/m)?.[1] ?? "";
    const dir = started.out.match(/^PG_CLUSTER_DIR=(\S+)$/m)?.[1] ?? "";
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const sql = new SQL(url, { max: 1 });
    try {
      expect(await sql`SELECT current_user AS who`).toEqual([{ who: "postgres" }]);
      const [{ owner }] =
        await sql`SELECT usename AS owner FROM pg_stat_activity WHERE pid = pg_backend_pid()`;
      expect(owner).toBe("postgres");
    } finally {
      await sql.close();
    }
    // The server runs as the postgres user, never as root: its files are that user's.
    expect(statSync(join(dir, "data")).uid).not.toBe(0);
    const stopped = await run(["bun", "test/support/postgres-cluster.ts", "stop", dir]);
    expect(stopped.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const after = new SQL(url, { max: 1, connectionTimeout: 5 });
    await expect(after`SELECT 1`).rejects.toThrow();
    await after.close();
  }, 30_000);
});
