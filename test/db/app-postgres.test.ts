import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { type FreshDatabase, freshDatabase, hasPostgres } from "../support/postgres";
import type { AppProcess } from "../support/process";
import { appEnvironment, connectPhone, startAppProcess, texter } from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

const PHONE = "+14155550191";
// A whole process (and its delivery thread) starting, connecting a number and posting five texts.
setDefaultTimeout(60_000);

/** `bun run start` as an operator runs it with DATABASE_URL: the whole app, both threads, on PostgreSQL. */
describe.skipIf(!hasPostgres)("the app process with DATABASE_URL, on PostgreSQL", () => {
  let x: XHarness;
  let twilio: TwilioFixture;
  let database: FreshDatabase;
  let app: AppProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), "smstweet-pgapp-"));
  beforeAll(async () => {
    x = await startX();
    twilio = startTwilio();
    database = await freshDatabase({ migrated: false });
  });
  afterAll(async () => {
    app?.process.kill("SIGTERM");
    await app?.process.exited;
    await x.stop();
    await twilio.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should post a text end to end in PostgreSQL within DATABASE_POOL_SIZE connections, leave DATABASE_PATH alone and log that it is ignored, never the password, on PostgreSQL", async () => {
    const path = join(dir, "ignored.db");
    const { env, publicUrl } = appEnvironment(x, twilio, { databasePath: path });
    const started = await startAppProcess({ ...env, DATABASE_URL: database.url, DATABASE_POOL_SIZE: "4" });
    app = started;
    const text = texter(twilio, publicUrl);
    await connectPhone(started, text, x, twilio, PHONE, "pgtexter");
    for (let i = 0; i < 5; i++) expect((await text(started, PHONE, `from PostgreSQL ${i}`)).status).toBe(200);
    await waitFor(
      () => twilio.standIn.messagesTo(PHONE).filter((m) => m.body.startsWith("Posted")).length === 5,
      "five confirmations",
    );
    expect(x.standIn.posts().map((post) => post.text)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `from PostgreSQL ${i}`),
    );

    const admin = new SQL(database.url, { max: 1 });
    try {
      const [posts] = await admin`SELECT count(*)::int AS n FROM posts`;
      expect(posts.n).toBe(5);
      const [connections] = await admin`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`;
      expect(connections.n).toBeGreaterThan(0);
      expect(connections.n).toBeLessThanOrEqual(4);
    } finally {
      await admin.close();
    }
    expect(existsSync(path)).toBe(false);
    const password = new URL(database.url).password;
    expect(started.output()).toContain("DATABASE_PATH");
    expect(started.output()).toContain("is ignored");
    expect(started.output()).not.toContain(password);
  });
});
