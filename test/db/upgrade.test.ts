import { Database as Sqlite } from "bun:sqlite";
import { afterEach, describe, expect, it } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { onSqlite } from "../support/database";
import { jobsOf } from "../support/jobs";
import { startTestService, type TestService } from "../support/service";
import { sqliteOf } from "../support/sqlite";

const dirs: string[] = [];
let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A database as release 0.1 left it: only the first migration, its queue in the message tables. */
function releaseZeroOneDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-upgrade-"));
  dirs.push(dir);
  const migrations = join(dir, "drizzle");
  cpSync(join(import.meta.dir, "../../drizzle"), migrations, { recursive: true });
  const journalPath = join(migrations, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag === "0000_init");
  writeFileSync(journalPath, JSON.stringify(journal));
  const path = join(dir, "old.db");
  const sqlite = new Sqlite(path, { create: true });
  migrate(drizzle(sqlite), { migrationsFolder: migrations });
  const now = Date.now();
  const inbound = sqlite.prepare(
    "INSERT INTO inbound_messages (sid, phone, body, media, received_at, status, next_attempt_at) VALUES (?, ?, ?, '[]', ?, ?, ?)",
  );
  inbound.run(`SM${"1".repeat(32)}`, "+14155550191", "HELP", now, "pending", now);
  inbound.run(`SM${"2".repeat(32)}`, "+14155550191", "STATUS", now, "pending", now);
  inbound.run(`SM${"3".repeat(32)}`, "+14155550192", "done long ago", now, "done", now);
  sqlite
    .prepare(
      "INSERT INTO outbound_messages (phone, body, created_at, status, next_attempt_at) VALUES (?, ?, ?, 'pending', ?)",
    )
    .run("+14155550193", "A reply queued before the upgrade.", now, now);
  sqlite.close();
  return path;
}

// Release 0.1 ran on SQLite only: PostgreSQL databases start from the baseline, and copy-to-postgres moves old files.
describe.skipIf(!onSqlite)("upgrading a database from release 0.1, on SQLite", () => {
  it("should turn the old queue's unfinished rows into jobs, in order, and work them", async () => {
    const dbPath = releaseZeroOneDatabase();
    svc = await startTestService({ dbPath });
    const help = await svc.nthTextTo("+14155550191", 1);
    const status = await svc.nthTextTo("+14155550191", 2);
    expect(help).toStartWith("smstweet posts your texts to X.");
    expect(status).toStartWith("No X account is connected");
    expect(await svc.nthTextTo("+14155550193", 1)).toBe("A reply queued before the upgrade.");
    await svc.service.delivery.idle();
    expect(await jobsOf(svc.db, "inbound")).toHaveLength(2);
    expect(svc.textsTo("+14155550192")).toHaveLength(0);
  });

  it("should erase the bodies of finished texts, and still know the MessageSids stored unhashed", async () => {
    const dbPath = releaseZeroOneDatabase();
    svc = await startTestService({ dbPath });
    await svc.nthTextTo("+14155550191", 2);
    await svc.service.delivery.idle();
    const rows = () =>
      svc ? sqliteOf(svc.db).query("SELECT body FROM inbound_messages ORDER BY id").all() : [];
    expect(rows().map((row) => (row as { body: string }).body)).toEqual(["", "", ""]);
    // Twilio re-delivers a text stored before the upgrade: it is recognised by its raw sid, and ignored.
    const again = await svc.text("+14155550192", "done long ago", `SM${"3".repeat(32)}`);
    expect(again.status).toBe(200);
    await Bun.sleep(200);
    await svc.service.delivery.idle();
    expect(rows()).toHaveLength(3);
    expect(svc.textsTo("+14155550192")).toHaveLength(0);
  });
});
