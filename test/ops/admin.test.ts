import { afterEach, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { all } from "../../src/db/sql";
import { admin, adminEnv, adminErrors } from "../support/admin";
import { onSqlite } from "../support/database";
import { jobsOfKind } from "../support/jobs";
import { FAST_POLICY, startConnected, type TestService } from "../support/service";
import { sqliteOf } from "../support/sqlite";
import { waitFor } from "../support/wait";

// Each test starts the service and several CLI processes; a shared 2-core machine needs headroom.
setDefaultTimeout(30_000);

const PHONE = "+14155550131";
const NATIONAL = "(415) 555-0131";
const DIGITS = "4155550131";

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

const envOf = (service: TestService): Promise<Record<string, string>> => adminEnv(service.dbPath);

describe("admin usage", () => {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-admin-"));
  afterEach(() => rmSync(join(dir, "missing.db"), { force: true }));
  const env = { DATABASE_PATH: join(dir, "missing.db") };

  it.each([
    [[]],
    [["frobnicate"]],
    [["status", "extra"]],
    [["texter"]],
    [["texter", "not-a-number"]],
    [["retry", "abc"]],
    [["retry"]],
    [["status", "--verbose"]],
    [["backup"]],
  ])("should exit 2 with the usage for %j", async (args) => {
    const run = await admin(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: bun run admin <command>");
    const json = await admin([...args, "--json"], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, usage: true });
  });

  it("should refuse with one line, create nothing, when DATABASE_PATH names no file", async () => {
    const run = await admin(["status", "--json"], env);
    expect(run.code).toBe(1);
    expect(adminErrors(run)).toEqual([`admin: no database at ${env.DATABASE_PATH} (check DATABASE_PATH)`]);
    expect(run.json()).toMatchObject({ ok: false });
    expect(await Bun.file(env.DATABASE_PATH).exists()).toBe(false);
  });
});

describe("admin status and texter", () => {
  it("should show the queues and a texter's posted text, masked, as tables and as --json", async () => {
    svc = await startConnected(PHONE, "dana");
    await svc.text(PHONE, "hello from a flip phone");
    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    await svc.twilio.standIn.callbacks.settled();

    const status = await admin(["--json", "status"], await envOf(svc));
    expect(status.code).toBe(0);
    const report = status.json() as { ok: boolean; queues: { kind: string; state: string; count: number }[] };
    expect(report.ok).toBe(true);
    expect(report.queues).toContainEqual({ kind: "post", state: "done", count: 1 });
    expect(report.queues).toContainEqual({ kind: "inbound", state: "done", count: 2 });

    const texter = await admin(["texter", NATIONAL, "--json"], await envOf(svc));
    expect(texter.code).toBe(0);
    expect(texter.json()).toMatchObject({
      texter: { phone: "•••• 0131", connected: true, handle: "dana", locked: false, optedOut: false },
      texts: [{ outcome: "posted" }, { outcome: expect.any(String) }],
    });
    const table = await admin(["texter", PHONE], await envOf(svc));
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("Texter •••• 0131");
    expect(table.stdout).toMatch(/connected\s+yes/);
    for (const output of [status.stdout, texter.stdout, table.stdout]) {
      expect(output).not.toContain(DIGITS);
      expect(output).not.toContain("hello from a flip phone");
    }
  });
});

describe("admin retry", () => {
  it.skipIf(!onSqlite)(
    "should refuse, with the reason, a job that is not failed and one whose text was erased when it gave up, on SQLite",
    async () => {
      svc = await startConnected(PHONE, "dana", { policy: { ...FAST_POLICY, giveUpAfterMs: 1_000 } });
      svc.twilio.standIn.failNext({ status: 500 }, 1_000);
      await svc.text(PHONE, "STATUS");
      const db = svc.db;
      const failed = await waitFor(
        () => jobsOfKind(db, "sms").find((job) => job.state === "failed"),
        "the reply to give up",
      );
      svc.twilio.standIn.recover();

      const status = await admin(["status", "--json"], await envOf(svc));
      const failures = status.json().failures as { id: number; lastError: string | null }[];
      expect(failures.find((f) => f.id === failed.id)?.lastError).toContain("Twilio 500");

      const notFailed = jobsOfKind(db, "inbound")[0]?.id ?? 0;
      const refusal = await admin(["retry", String(notFailed)], await envOf(svc));
      expect(refusal.code).toBe(1);
      expect(adminErrors(refusal)).toEqual([`admin: job ${notFailed} is done, not failed`]);

      const erased = await admin(["retry", String(failed.id), "--json"], await envOf(svc));
      expect(erased.code).toBe(1);
      expect(erased.json()).toMatchObject({
        ok: false,
        error: expect.stringContaining("erased when it gave up"),
      });
      expect(jobsOfKind(db, "sms").find((job) => job.id === failed.id)?.state).toBe("failed");
    },
  );

  it.skipIf(!onSqlite)(
    "should run a crash-looping sweep again once its cause is fixed, and the app should complete it, on SQLite",
    async () => {
      svc = await startConnected(PHONE, "dana", { policy: { ...FAST_POLICY, maxFaults: 2 } });
      const db = svc.db;
      // A thread left open two days ago, and a database that refuses the sweep's write (the cause an operator fixes).
      sqliteOf(db).run(
        `CREATE TRIGGER refuse_expiry BEFORE INSERT ON jobs WHEN NEW.kind = 'thread_expiry'
        BEGIN SELECT RAISE(ABORT, 'injected: the sweep cannot write'); END`,
      );
      sqliteOf(db).run("UPDATE texters SET thread_opened_at = ?1 WHERE phone = ?2", [
        Date.now() - 2 * 86_400_000,
        PHONE,
      ]);
      const failed = await waitFor(
        () => jobsOfKind(db, "housekeeping").find((job) => job.state === "failed"),
        "the sweep to give up",
      );
      expect(failed.lastError).toContain("injected");

      sqliteOf(db).run("DROP TRIGGER refuse_expiry");
      const retried = await admin(["retry", String(failed.id)], await envOf(svc));
      expect(retried.code).toBe(0);
      expect(retried.stdout).toContain(`job ${failed.id} is pending again`);
      await waitFor(
        () => jobsOfKind(db, "housekeeping").find((job) => job.id === failed.id)?.state === "done",
        "the retried sweep to complete",
      );
      const others = jobsOfKind(db, "housekeeping").filter((job) => job.state === "failed");
      const all = await admin(["retry", "--failed", "--json"], await envOf(svc));
      expect(all.code).toBe(0);
      expect(all.json()).toMatchObject({ retried: others.map((job) => job.id), skipped: [] });
      expect(await svc.nthTextTo(PHONE, 3)).toContain("thread");
    },
  );
});

describe("admin forget", () => {
  it("should erase every row about the number, and the running app should revoke its tokens at X", async () => {
    svc = await startConnected(PHONE, "dana");
    expect(svc.x.standIn.liveTokens("dana")).not.toEqual([]);
    await svc.text(PHONE, "a post to forget");
    await svc.nthTextTo(PHONE, 3);
    await svc.twilio.standIn.callbacks.settled();

    const run = await admin(["forget", DIGITS], await envOf(svc));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("•••• 0131 erased");
    const db = svc.db;
    for (const table of [
      "texters",
      "inbound_messages",
      "outbound_messages",
      "posts",
      "auth_links",
      "thread_parts",
    ]) {
      expect({
        table,
        rows: await all(db, `SELECT count(*) AS n FROM ${table} WHERE phone = ?1`, PHONE),
      }).toEqual({
        table,
        rows: [{ n: 0 }],
      });
    }
    const x = svc.x.standIn;
    await waitFor(() => x.liveTokens("dana").length === 0, "the tokens revoked at X");
    const again = await admin(["forget", PHONE], await envOf(svc));
    expect(again.code).toBe(1);
  });
});
