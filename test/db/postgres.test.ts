import { afterAll, describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { eq } from "drizzle-orm";
import {
  closePostgres,
  MIGRATION_LOCK,
  openPostgres,
  PG_MIGRATIONS,
  PostgresError,
} from "../../src/db/postgres";
import { inboundMessages, jobs } from "../../src/db/schema.pg";
import {
  databaseUrl,
  type FreshDatabase,
  freshDatabase,
  hasPostgres,
  postgresServer,
} from "../support/postgres";
import { startCluster } from "../support/postgres-server";
import { waitFor } from "../support/wait";

const JOURNAL = JSON.parse(readFileSync(join(PG_MIGRATIONS, "meta/_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};

describe.skipIf(!hasPostgres)("opening the database, on PostgreSQL", () => {
  const databases: FreshDatabase[] = [];
  const fresh = async (migrated: boolean): Promise<FreshDatabase> => {
    const database = await freshDatabase({ migrated });
    databases.push(database);
    return database;
  };
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });

  it("should migrate once when two replicas open the same empty database at the same moment", async () => {
    const { url } = await fresh(false);
    const startAt = String(Date.now() + 1_500);
    const replicas = [1, 2].map(() =>
      Bun.spawn(["bun", join(import.meta.dir, "../support/postgres-open.ts")], {
        env: { ...process.env, PG_URL: url, START_AT: startAt },
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    const results = await Promise.all(
      replicas.map(async (p) => ({ code: await p.exited, stderr: await new Response(p.stderr).text() })),
    );
    expect(results).toEqual([
      { code: 0, stderr: "" },
      { code: 0, stderr: "" },
    ]);
    const sql = new SQL(url, { max: 1 });
    try {
      const applied = await sql`SELECT hash FROM drizzle.__drizzle_migrations`;
      expect(applied).toHaveLength(JOURNAL.entries.length);
      expect(new Set(applied.map((r: { hash: string }) => r.hash)).size).toBe(JOURNAL.entries.length);
      expect(await sql`SELECT count(*)::int AS n FROM health_probe`).toEqual([{ n: 1 }]);
    } finally {
      await sql.close();
    }
  }, 30_000);

  it("should wait for a replica that is migrating, and go on once that replica dies holding the lock", async () => {
    const { url } = await fresh(false);
    // Another replica, mid-migration: it holds the lock on its own connection.
    const other = new SQL(url, { max: 1 });
    const [{ pid }] = await other`SELECT pg_backend_pid() AS pid, pg_advisory_lock(${MIGRATION_LOCK})`;
    const watcher = new SQL(url, { max: 1 });
    try {
      let opened = false;
      const opening = openPostgres({ url, poolSize: 1 }).then((db) => {
        opened = true;
        return db;
      });
      await waitFor(async () => {
        const [{ n }] =
          await watcher`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`;
        return n === 1;
      }, "the second replica to wait on the migration lock");
      expect(opened).toBe(false);
      // kill -9 of the other replica: its connection ends, and the lock with it.
      await watcher`SELECT pg_terminate_backend(${pid})`;
      await closePostgres(await opening);
      const applied = await watcher`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
      expect(applied).toEqual([{ n: JOURNAL.entries.length }]);
    } finally {
      await other.close().catch(() => {});
      await watcher.close();
    }
  });

  it("should open a pool no larger than its setting, and read millisecond times past 2^31 as numbers", async () => {
    const { url } = await fresh(true);
    const db = await openPostgres({ url, poolSize: 3 });
    try {
      const later = 4_102_444_800_000; // 2100-01-01, far past 2^31
      const [row] = await db
        .insert(jobs)
        .values({ kind: "probe", state: "pending", runAt: later, createdAt: later })
        .returning({ id: jobs.id });
      const [read] = await db
        .select({ runAt: jobs.runAt })
        .from(jobs)
        .where(eq(jobs.id, row?.id ?? 0));
      expect(read?.runAt).toBe(later);
      await Promise.all(Array.from({ length: 12 }, () => db.$client`SELECT pg_sleep(0.02)`));
      const name = new URL(url).pathname.slice(1);
      const [{ n }] =
        await db.$client`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`;
      expect(n).toBeLessThanOrEqual(3);
    } finally {
      await closePostgres(db);
    }
  });

  it("should keep a text's pictures as a JSON array that SQL and pg_dump read, not a quoted string", async () => {
    const { url } = await fresh(true);
    const db = await openPostgres({ url, poolSize: 1 });
    try {
      const media = [{ url: "https://api.twilio.com/media/ME1", contentType: "image/jpeg" }];
      const row = { phone: "+14155550101", body: "hi", receivedAt: 1, nextAttemptAt: 1 };
      await db.insert(inboundMessages).values([
        { ...row, sid: "1:a", media },
        { ...row, sid: "1:b" },
      ]);
      const raw = await db.$client`
        SELECT sid, jsonb_typeof(media) AS kind, media->0->>'contentType' AS type FROM inbound_messages ORDER BY sid`;
      expect(raw.map((r: Record<string, unknown>) => ({ ...r }))).toEqual([
        { sid: "1:a", kind: "array", type: "image/jpeg" },
        { sid: "1:b", kind: "array", type: null },
      ]);
      const read = await db
        .select({ media: inboundMessages.media })
        .from(inboundMessages)
        .orderBy(inboundMessages.sid);
      expect(read).toEqual([{ media }, { media: [] }]);
    } finally {
      await closePostgres(db);
    }
  });

  const failures = async (url: string): Promise<PostgresError> => {
    const error = await openPostgres({ url, poolSize: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof PostgresError)) throw new Error(`expected a PostgresError, got ${error}`);
    return error;
  };

  it("should fail with a wrong password, naming it and never showing the password", async () => {
    const { url } = await postgresServer();
    const wrong = new URL(url);
    wrong.password = "not-the-Passw0rd-xyz";
    const error = await failures(wrong.toString());
    expect(error.message).toContain("wrong user or password");
    expect(error.message).toContain(":***@");
    expect(error.cause).toBeDefined();
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain("not-the-Passw0rd-xyz");
  });

  it("should fail at once when nothing listens on the port, without the password", async () => {
    const { url } = await postgresServer();
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    const refused = new URL(url);
    refused.port = String(port);
    const error = await failures(refused.toString());
    expect(error.message).toContain("connection refused");
    expect(error.message).not.toContain(new URL(url).password);
  });

  it("should refuse a server without TLS when sslmode=require, and accept it with sslmode=disable", async () => {
    const { url } = await fresh(true);
    const error = await failures(`${url}?sslmode=require`);
    expect(error.message).toContain("does not accept TLS, which sslmode=require requires");
    expect(error.message).not.toContain(new URL(url).password);
    const db = await openPostgres({ url: `${url}?sslmode=disable`, poolSize: 1 });
    await closePostgres(db);
  });

  it("should encrypt with sslmode=require, and with verify-full only trust a certificate it can verify", async () => {
    const certs = join(import.meta.dir, "../support/certs");
    const cluster = startCluster({ tls: { cert: join(certs, "cert.pem"), key: join(certs, "key.pem") } });
    try {
      const db = await openPostgres({ url: `${cluster.url}?sslmode=require`, poolSize: 1 });
      try {
        const [row] = await db.$client`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
        expect(row?.ssl).toBe(true);
      } finally {
        await closePostgres(db);
      }
      const error = await failures(`${cluster.url}?sslmode=verify-full`);
      expect(error.message).toContain("certificate failed verification");
      expect(error.message).not.toContain(new URL(cluster.url).password);
      // The same URL from a process that trusts the certificate (NODE_EXTRA_CA_CERTS), as an operator with a
      // managed database's CA bundle would run it.
      const trusted = Bun.spawn(["bun", join(import.meta.dir, "../support/postgres-open.ts")], {
        env: {
          ...process.env,
          PG_URL: `${cluster.url}?sslmode=verify-full`,
          NODE_EXTRA_CA_CERTS: join(certs, "cert.pem"),
        },
        stderr: "pipe",
      });
      expect({ code: await trusted.exited, stderr: await new Response(trusted.stderr).text() }).toEqual({
        code: 0,
        stderr: "",
      });
    } finally {
      cluster.stop();
    }
  }, 30_000);

  it("should say which database is missing", async () => {
    const { url } = await postgresServer();
    const error = await failures(databaseUrl(url, "no_such_database"));
    expect(error.message).toContain("does not exist");
  });
});
