import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import type { AppProcess } from "../support/process";
import {
  canRun,
  DIALECT_NAMES,
  type Dialect,
  REPLICA_DIALECTS,
  type SharedDatabase,
  sharedDatabaseOn,
} from "../support/shared-database";
import {
  appEnvironment,
  BUSY_NUMBERS,
  connectPhone,
  repliesAfterConnecting,
  startAppProcess,
  type Texter,
  texter,
} from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

let x: XHarness;
let twilio: TwilioFixture;
let running: AppProcess[] = [];
let databases: SharedDatabase[] = [];
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterEach(async () => {
  if (process.env.DEBUG_REPLICAS)
    for (const [i, app] of running.entries()) await Bun.write(`/tmp/replica-${i}.log`, app.output());
  // A replica that died by itself (not killed by a test) says why, whatever the test's own failure reads like.
  for (const [i, app] of running.entries())
    if (app.process.exitCode !== null && app.process.signalCode === null)
      console.error(`replica ${i} exited ${app.process.exitCode} by itself:\n${app.output()}`);
  for (const app of running) app.process.kill("SIGKILL");
  await Promise.all(running.map((app) => app.process.exited));
  for (const db of databases) await db.drop();
  running = [];
  databases = [];
  x.standIn.delayMs = 0;
});
afterAll(async () => {
  await x.stop();
  await twilio.stop();
});

/**
 * Processes on one shared, empty database, all signed against the first one's URL (Caddy's, in
 * production). `together`: started at the same moment, so that both migrate the empty database at once.
 */
async function replicas(
  dialect: Dialect,
  roles: readonly string[],
  extra: Record<string, string> = {},
  together = false,
) {
  const db = await sharedDatabaseOn(dialect);
  databases.push(db);
  const first = appEnvironment(x, twilio);
  const start = async (role: string, i: number): Promise<AppProcess> => {
    // The first listens at the public URL itself, so that the links texted to people open there.
    const { env } = i === 0 ? first : appEnvironment(x, twilio, { publicUrl: first.publicUrl });
    const app = await startAppProcess({ ...env, ...db.env, ...BUSY_NUMBERS, ROLE: role, ...extra });
    running.push(app);
    return app;
  };
  const apps: AppProcess[] = [];
  if (together) apps.push(...(await Promise.all(roles.map(start))));
  else for (const [i, role] of roles.entries()) apps.push(await start(role, i));
  return { apps, db, text: texter(twilio, first.publicUrl) };
}

function phones(count: number, from: number): string[] {
  return Array.from({ length: count }, (_, i) => `+1415556${String(from + i).padStart(4, "0")}`);
}

async function connectAll(app: AppProcess, text: Texter, numbers: string[], prefix: string): Promise<void> {
  // X users named after the number: each database's run has numbers, so users, of its own.
  for (const [i, phone] of numbers.entries())
    await connectPhone(app, text, x, twilio, phone, `${prefix}${i}${phone.slice(-4)}`);
}

const tweetCalls = (): number =>
  x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets").length;

for (const dialect of REPLICA_DIALECTS) {
  const NAME = DIALECT_NAMES[dialect];
  // Numbers of their own per database: the Twilio stand-in is shared, and a link texted before is stale.
  const numbersFrom = (count: number, from: number): string[] =>
    phones(count, from + 1000 * REPLICA_DIALECTS.indexOf(dialect));

  describe.skipIf(!canRun(dialect))(`replicas with roles, on one database (${NAME})`, () => {
    it("should post a text a web replica stored through a worker replica, which alone works the queue", async () => {
      const {
        apps: [web, worker],
        text,
      } = await replicas(dialect, ["web", "worker"]);
      if (!web || !worker) throw new Error("two replicas");
      const [phone = ""] = numbersFrom(1, 100);
      await connectAll(web, text, [phone], "roles");
      expect((await text(web, phone, `stored by web, posted by worker (${NAME})`)).status).toBe(200);
      await waitFor(() => repliesAfterConnecting(twilio, phone)[0], "the confirmation");
      expect(
        x.standIn.posts().filter((p) => p.text === `stored by web, posted by worker (${NAME})`),
      ).toHaveLength(1);
      expect(worker.output()).toContain('"inbound.done"');
      expect(web.output()).not.toContain('"inbound.done"');
      // A web replica's health is its own: it has no queue to watch.
      expect((await fetch(`${web.url}/healthz`)).status).toBe(200);
    }, 60_000);

    it.skipIf(dialect !== "postgres")(
      "should post a text a web replica stored through a worker that polls every ten minutes: NOTIFY wakes it, on PostgreSQL",
      async () => {
        const {
          apps: [web, worker],
          text,
        } = await replicas(dialect, ["web", "worker"], { QUEUE_POLL_MS: "600000" });
        if (!web || !worker) throw new Error("two replicas");
        const [phone = ""] = numbersFrom(1, 130);
        // Connecting takes jobs too (the link's text, the welcome): each started only by a notification.
        await connectAll(web, text, [phone], "notify");
        expect((await text(web, phone, "heard of, not polled for")).status).toBe(200);
        await waitFor(() => repliesAfterConnecting(twilio, phone)[0], "the confirmation");
        expect(x.standIn.posts().filter((p) => p.text === "heard of, not polled for")).toHaveLength(1);
        expect(worker.output()).toContain('"inbound.done"');
      },
      60_000,
    );

    it("should answer only /healthz and /metrics on a worker, and 404 for the webhook and the pages", async () => {
      const {
        apps: [worker],
        text,
      } = await replicas(dialect, ["worker"]);
      if (!worker) throw new Error("a worker");
      const [phone = ""] = numbersFrom(1, 110);
      expect((await text(worker, phone, "hello")).status).toBe(404);
      for (const path of ["/", "/auth/abc", "/robots.txt"])
        expect((await fetch(`${worker.url}${path}`)).status).toBe(404);
      expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${worker.url}/healthz?ready`)).status).toBe(200);
      const metrics = await fetch(`${worker.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("smstweet_");
      expect(twilio.standIn.messagesTo(phone)).toEqual([]);
    }, 30_000);
  });

  describe.skipIf(!canRun(dialect))(`two full replicas on one database (${NAME})`, () => {
    it("should bring two replicas started together on an empty database both to healthy, the schema made once", async () => {
      const {
        apps: [one, two],
        text,
      } = await replicas(dialect, ["all", "all"], {}, true);
      if (!one || !two) throw new Error("two replicas");
      for (const app of [one, two]) expect((await fetch(`${app.url}/healthz?ready`)).status).toBe(200);
      // Both work on the schema the two of them made: a text through each is posted.
      const [phone = ""] = numbersFrom(1, 120);
      await connectAll(two, text, [phone], "together");
      for (const [i, app] of [one, two].entries())
        expect((await text(app, phone, `together ${NAME} ${i}`)).status).toBe(200);
      await waitFor(() => repliesAfterConnecting(twilio, phone).length >= 2, "both confirmations");
      expect(
        x.standIn
          .posts()
          .filter((p) => p.text.startsWith(`together ${NAME} `))
          .map((p) => p.text),
      ).toEqual([`together ${NAME} 0`, `together ${NAME} 1`]);
    }, 60_000);

    it("should post texts sent alternately to each from 30 numbers once each, in order per number, confirmed once", async () => {
      const { apps, text } = await replicas(dialect, ["all", "all"]);
      const numbers = numbersFrom(30, 200);
      const half = numbers.length / 2;
      await Promise.all([
        connectAll(apps[0] as AppProcess, text, numbers.slice(0, half), "alt"),
        connectAll(apps[1] as AppProcess, text, numbers.slice(half), "altb"),
      ]);
      x.standIn.delayMs = 40;
      const callsBefore = tweetCalls();
      const postsBefore = x.standIn.posts().length;
      const rounds = 10;
      for (let round = 0; round < rounds; round++) {
        const answers = await Promise.all(
          numbers.map((phone, i) =>
            text(apps[(round + i) % 2] as AppProcess, phone, `${phone} says ${round}`),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual(numbers.map(() => 200));
      }
      const sent = numbers.length * rounds;
      await waitFor(
        () => numbers.every((phone) => repliesAfterConnecting(twilio, phone).length >= rounds),
        "a confirmation for every text",
        60_000,
      );
      const posts = x.standIn.posts().slice(postsBefore);
      expect(posts).toHaveLength(sent);
      for (const phone of numbers) {
        const mine = posts.filter((p) => p.text.startsWith(`${phone} says`)).map((p) => p.text);
        expect(mine).toEqual(Array.from({ length: rounds }, (_, round) => `${phone} says ${round}`));
        const confirmations = repliesAfterConnecting(twilio, phone);
        expect(confirmations).toHaveLength(rounds);
        expect(new Set(confirmations).size).toBe(rounds);
      }
      // No extra calls to X: one POST /2/tweets per text.
      expect(tweetCalls() - callsBefore).toBe(sent);
      expect(apps[0]?.output()).toContain('"inbound.done"');
      expect(apps[1]?.output()).toContain('"inbound.done"');
    }, 120_000);

    it("should post and confirm once a MessageSid that Twilio delivers to both at the same moment", async () => {
      const {
        apps: [one, two],
        text,
      } = await replicas(dialect, ["all", "all"]);
      if (!one || !two) throw new Error("two replicas");
      const [phone = ""] = numbersFrom(1, 300);
      await connectAll(one, text, [phone], "twice");
      const bodies = Array.from({ length: 8 }, (_, i) => `delivered twice ${NAME} ${i}`);
      for (const [i, body] of bodies.entries()) {
        const sid = `SM${String(i).padStart(32, "a")}`;
        const answers = await Promise.all([
          text(one, phone, body, undefined, sid),
          text(two, phone, body, undefined, sid),
        ]);
        expect(answers.map((a) => a.status)).toEqual([200, 200]);
      }
      // A last text, once: the number's texts are worked in order, so a doubled one would come before its reply.
      expect((await text(one, phone, `the last one (${NAME})`)).status).toBe(200);
      await waitFor(
        () => repliesAfterConnecting(twilio, phone).length > bodies.length,
        "the last confirmation",
      );
      expect(
        x.standIn
          .posts()
          .filter((p) => p.text.startsWith(`delivered twice ${NAME}`))
          .map((p) => p.text),
      ).toEqual(bodies);
      expect(repliesAfterConnecting(twilio, phone)).toHaveLength(bodies.length + 1);
    }, 60_000);

    it("should finish everything once when one replica is killed (-9) mid-drain: nothing doubled or stuck", async () => {
      const { apps, text, db } = await replicas(dialect, ["all", "all"]);
      const numbers = numbersFrom(10, 400);
      await connectAll(apps[0] as AppProcess, text, numbers, "kill");
      x.standIn.delayMs = 300;
      const postsBefore = x.standIn.posts().length;
      const rounds = 6;
      for (let round = 0; round < rounds; round++) {
        await Promise.all(
          numbers.map((phone, i) => text(apps[(round + i) % 2] as AppProcess, phone, `${phone} k${round}`)),
        );
      }
      // Mid-drain, killing a replica while it holds jobs (lanes stay with whoever claimed them first, at
      // times all with one of the two).
      const victim = await waitFor(async () => {
        if (x.standIn.posts().length - postsBefore < 3) return undefined;
        const holders = await db.leaseHolders();
        return apps.find((app) => holders.includes(app.process.pid));
      }, "a replica holding jobs mid-drain");
      const survivor = apps.find((app) => app !== victim) as AppProcess;
      victim.process.kill("SIGKILL");
      await victim.process.exited;

      const sent = numbers.length * rounds;
      await waitFor(
        () => numbers.every((phone) => repliesAfterConnecting(twilio, phone).length >= rounds),
        "the survivor to confirm every text",
        60_000,
      );
      const posts = x.standIn.posts().slice(postsBefore);
      for (const phone of numbers) {
        const mine = posts.filter((p) => p.text.startsWith(`${phone} k`)).map((p) => p.text);
        expect(mine).toEqual(Array.from({ length: rounds }, (_, round) => `${phone} k${round}`));
        const confirmations = repliesAfterConnecting(twilio, phone);
        expect(confirmations).toHaveLength(rounds);
        expect(new Set(confirmations).size).toBe(rounds);
      }
      expect(posts).toHaveLength(sent);
      // The survivor took over the victim's leases at once rather than after they ran out.
      expect(survivor.output()).toContain('"queue.released_dead_leases"');
    }, 120_000);
  });
}
