import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeDatabase, openDatabase } from "../../src/db/client";
import { admin, adminErrors } from "../support/admin";
import { onSqlite } from "../support/database";
import { installation } from "../support/installation";
import { startAppProcess } from "../support/process";
import { startConnected, startTestService, type TestService } from "../support/service";
import { waitFor } from "../support/wait";

// Each test starts the service (or a real app process) and several CLI processes.
setDefaultTimeout(40_000);

const PHONE = "+14155550131";

let svc: TestService | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-backups-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function postsIn(path: string): { posts: number; integrity: string } {
  const db = new Database(path, { readonly: true });
  try {
    const posts = (db.query("SELECT count(*) AS n FROM posts").get() as { n: number }).n;
    const integrity = (db.query("PRAGMA integrity_check").get() as { integrity_check: string })
      .integrity_check;
    return { posts, integrity };
  } finally {
    db.close();
  }
}

describe("admin backup and restore", () => {
  // Backup and restore are the SQLite file's (on PostgreSQL: pg_dump, see admin-postgres.test.ts).
  it.skipIf(!onSqlite)(
    "should back up a live database, refuse to overwrite, and restore it so the texter posts again, on SQLite",
    async () => {
      const shared = await installation(cleanups);
      const env = { DATABASE_PATH: shared.dbPath };
      const copy = join(scratch(), "before-upgrade.db");
      svc = await startConnected(PHONE, "dana", shared);
      await svc.text(PHONE, "in the backup");
      expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");

      const backup = await admin(["backup", copy, "--json"], env);
      expect(backup.code).toBe(0);
      expect(backup.json()).toMatchObject({ ok: true, integrity: "ok", bytes: statSync(copy).size });
      expect(backup.json().rows).toMatchObject({ posts: 1, texters: 1, heartbeats: 0 });
      const again = await admin(["backup", copy], env);
      expect(again.code).toBe(1);
      expect(adminErrors(again)).toEqual([
        `admin: ${copy} exists: backup never overwrites, choose a new name`,
      ]);

      await svc.text(PHONE, "after the backup");
      expect(await svc.nthTextTo(PHONE, 4)).toStartWith("Posted");
      await svc.twilio.standIn.callbacks.settled();
      await svc.stop({ cleanup: false });
      svc = undefined;
      expect(postsIn(shared.dbPath).posts).toBe(2);

      const restore = await admin(["restore", copy], env);
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain("integrity ok");
      expect(postsIn(shared.dbPath)).toEqual({ posts: 1, integrity: "ok" });
      expect(existsSync(`${shared.dbPath}-wal`)).toBe(false);

      svc = await startTestService(shared);
      await svc.text(PHONE, "after the restore");
      expect(await svc.nthTextTo(PHONE, 5)).toStartWith("Posted");
    },
  );

  it("should refuse to restore a file that is not a sound smstweet database", async () => {
    const dir = scratch();
    const shared = await installation(cleanups);
    svc = await startTestService(shared);
    await svc.stop({ cleanup: false });
    svc = undefined;
    const junk = join(dir, "junk.db");
    await Bun.write(junk, "not a database at all, just some bytes that are long enough to look like one");
    const run = await admin(["restore", junk], { DATABASE_PATH: shared.dbPath });
    expect(run.code).toBe(1);
    expect(adminErrors(run)[0]).toStartWith(`admin: ${junk} was not restored:`);
    const missing = await admin(["restore", join(dir, "nope.db")], { DATABASE_PATH: shared.dbPath });
    expect(missing.code).toBe(1);
  });

  it("should refuse to restore while a running app holds the heartbeat, and restore once it has stopped", async () => {
    const dir = scratch();
    const data = join(dir, "data");
    mkdirSync(data);
    const env = { DATABASE_PATH: join(data, "smstweet.db") };
    const app = await startAppProcess({ ...env, SMSTWEET_SANDBOX: "1" });
    cleanups.push(() => app.process.kill());
    const status = await waitFor(async () => {
      const run = await admin(["status", "--json"], env);
      return (run.json().processes as { pid: number }[]).length === 1 && run.json();
    }, "the app's heartbeat");
    expect(status.processes).toEqual([expect.objectContaining({ pid: expect.any(Number) })]);

    const copy = join(dir, "live.db");
    expect((await admin(["backup", copy], env)).code).toBe(0);
    const refused = await admin(["restore", copy], env);
    expect(refused.code).toBe(1);
    expect(adminErrors(refused)[0]).toMatch(
      /^admin: the app is running \(pid \d+ on .+\): stop it first, then restore$/,
    );

    app.process.kill("SIGTERM");
    expect(await app.process.exited).toBe(0);
    const restored = await admin(["restore", copy, "--json"], env);
    expect(restored.code).toBe(0);
    expect(restored.json()).toMatchObject({ ok: true, integrity: "ok" });
  });

  // Needs root, as the restore step in the README runs: only root can hand a file to another user.
  it.skipIf(process.getuid?.() !== 0)(
    "should give the restored file the data directory's owner (the image's uid 1000), not root",
    async () => {
      const dir = scratch();
      const data = join(dir, "data");
      mkdirSync(data);
      const env = { DATABASE_PATH: join(data, "smstweet.db") };
      await closeDatabase(await openDatabase(env.DATABASE_PATH));
      const copy = join(dir, "copy.db");
      expect((await admin(["backup", copy], env)).code).toBe(0);
      chownSync(data, 1000, 1000);
      const restored = await admin(["restore", copy, "--json"], env);
      expect(restored.code).toBe(0);
      expect(restored.json()).toMatchObject({ owner: "1000:1000" });
      expect(statSync(env.DATABASE_PATH)).toMatchObject({ uid: 1000, gid: 1000 });
    },
  );
});
