import { afterEach, describe, expect, it } from "bun:test";
import type { Database } from "../../src/db/client";
import { POST_JOB } from "../../src/sms/commands/post";
import { breakWrites } from "../support/faults";
import { jobsOf } from "../support/jobs";
import { startConnected, startTestService, type TestService } from "../support/service";
import { sqliteOf } from "../support/sqlite";
import { startTwilio } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX } from "../support/x";

const PHONE = "+15551230010";
// Production waits minutes; these keep the same rules in a test's time.
const QUICK = { stallMs: 400, failingWindowMs: 60_000, minFaults: 3 };
// An answer from X that is not JSON: a fault, counted towards the attempt cap, unlike an outage.
const UNREADABLE = { status: 200, raw: { body: "<html><body>oops</body></html>", contentType: "text/html" } };

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

async function healthz(service: TestService, query = ""): Promise<{ status: number; body: string }> {
  const res = await fetch(`${service.url}/healthz${query}`);
  return { status: res.status, body: await res.text() };
}

const answersWith = (service: TestService, status: number, query = "") =>
  waitFor(async () => {
    const answer = await healthz(service, query);
    return answer.status === status && answer;
  }, `/healthz${query} ${status}`);

async function refuseWrites(db: Database): Promise<() => Promise<void>> {
  if (db.dialect !== "sqlite") return breakWrites(db, "health_probe", "INSERT", "read-only");
  sqliteOf(db).run("PRAGMA query_only = ON");
  return async () => void sqliteOf(db).run("PRAGMA query_only = OFF");
}

describe("GET /healthz when the database refuses writes", () => {
  it("should answer 503 saying the database is not writable, and 200 once it takes writes again", async () => {
    svc = await startTestService({ healthThresholds: QUICK });
    expect(await healthz(svc)).toEqual({ status: 200, body: "ok" });
    // SQLite itself refuses every write on this connection, as with a file the app may only read; on
    // PostgreSQL the probe's table answers as a read-only server would.
    const db = svc.db;
    const repair = await refuseWrites(db);
    try {
      const down = await healthz(svc);
      expect(down.status).toBe(503);
      expect(down.body).toStartWith("database not writable: ");
      expect(down.body).toContain(db.dialect === "sqlite" ? "readonly" : "read-only");
      expect(down.body).not.toContain("\n");
      // A process that cannot store a webhook is not ready for one either.
      expect((await healthz(svc, "?ready")).status).toBe(503);
    } finally {
      await repair();
    }
    expect(await healthz(svc)).toEqual({ status: 200, body: "ok" });
    expect(await healthz(svc, "?ready")).toEqual({ status: 200, body: "ok" });
  });
});

describe("GET /healthz when nothing works the queue", () => {
  it("should answer 503 naming the stalled work while due texts wait, and 200 once a worker runs again", async () => {
    const [x, twilio] = [await startX(), startTwilio()];
    try {
      svc = await startTestService({ x, twilio, healthThresholds: QUICK });
      const { dbPath } = svc;
      await svc.service.delivery.stop();
      expect((await svc.text(PHONE, "hello?")).status).toBe(200);
      const stalled = await answersWith(svc, 503);
      expect(stalled.body).toMatch(
        /^worker stalled: a due (\w+) job has waited \d+ s and no \1 job is being worked$/,
      );
      // The webhook still stores texts: load balancers keep sending them here.
      expect((await healthz(svc, "?ready")).status).toBe(200);

      await svc.stop({ cleanup: false });
      svc = await startTestService({ dbPath, x, twilio, healthThresholds: QUICK });
      await svc.nthTextTo(PHONE, 1);
      expect(await healthz(svc)).toEqual({ status: 200, body: "ok" });
    } finally {
      await svc?.stop();
      svc = undefined;
      await x.stop();
      await twilio.stop();
    }
  });
});

describe("GET /healthz while jobs keep faulting", () => {
  it("should answer 503 while a post crash-loops on X's unreadable answers, and 200 once it is posted", async () => {
    svc = await startConnected(PHONE, "erin", {
      healthThresholds: QUICK,
      policy: { baseMs: 250, maxMs: 500, giveUpAfterMs: 60 * 60_000, maxFaults: 50 },
    });
    svc.x.standIn.failNext("tweets", UNREADABLE, 6);
    await svc.text(PHONE, "this one keeps failing");
    const failing = await answersWith(svc, 503);
    expect(failing.body).toMatch(/^jobs failing: \d+ faults of post jobs vs 0 done in 1 min$/);

    expect(await svc.nthTextTo(PHONE, 3)).toStartWith("Posted");
    await answersWith(svc, 200);
    expect((await jobsOf(svc.db, POST_JOB)).at(-1)).toMatchObject({ state: "done", faults: 6 });
  });
});

describe("GET /healthz while X is down", () => {
  it("should stay 200 while a post waits and backs off on X's 503s for longer than the stall threshold", async () => {
    const s = await startConnected(PHONE, "erin", { healthThresholds: { ...QUICK, minFaults: 1 } });
    svc = s;
    s.x.standIn.failNext("tweets", { status: 503 }, 1000);
    await s.text(PHONE, "waiting for X");
    const since = Date.now();
    const post = await waitFor(async () => {
      expect(await healthz(s)).toEqual({ status: 200, body: "ok" });
      const job = (await jobsOf(s.db, POST_JOB)).at(-1);
      return (job?.attempts ?? 0) >= 6 && Date.now() - since > QUICK.stallMs * 2 && job;
    }, "a post retried for twice the stall threshold");
    expect(post.faults).toBe(0);
    expect(["pending", "running"]).toContain(post.state);
    expect(s.x.standIn.posts()).toHaveLength(0);
  });
});
