import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { AppProcess } from "../support/process";
import {
  appEnvironment,
  connectPhone,
  repliesAfterConnecting,
  startAppProcess,
  texter,
} from "../support/stack";
import { startTwilio, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

let x: XHarness;
let twilio: TwilioFixture;
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterAll(async () => {
  await x.stop();
  await twilio.stop();
});

const NUMBERS = 20;
const PER_NUMBER = 100;
const KILLS = 10;
const phones = Array.from({ length: NUMBERS }, (_, i) => `+1415555${String(2000 + i).padStart(4, "0")}`);

describe("kill -9 while draining", () => {
  it(`should post each of ${NUMBERS * PER_NUMBER} texts once, in order, with one confirmation each, through ${KILLS} kills`, async () => {
    const { env, publicUrl } = appEnvironment(x, twilio);
    env.LOG_LEVEL = "warn";
    // Every post is confirmed: the cost guard's caps sit above this test's volume.
    env.MAX_TEXTS_PER_NUMBER_PER_HOUR = String(PER_NUMBER + 10);
    env.MAX_TEXTS_PER_HOUR = String(NUMBERS * (PER_NUMBER + 10));
    const text = texter(twilio, publicUrl);
    let app: AppProcess = await startAppProcess(env);
    try {
      await Promise.all(phones.map((phone, i) => connectPhone(app, text, x, twilio, phone, `k${i}`)));
      const before = x.standIn.posts().length;
      x.standIn.delayMs = 15;
      const bodies = phones.flatMap((phone, p) =>
        Array.from({ length: PER_NUMBER }, (_, n) => ({ phone, body: `kill ${p}.${n}` })),
      );
      // Each number texts in order, the numbers side by side: the order the posts must keep.
      const statuses = await Promise.all(
        phones.map(async (phone) => {
          const codes: number[] = [];
          for (const { body } of bodies.filter((b) => b.phone === phone)) {
            codes.push((await text(app, phone, body)).status);
          }
          return codes;
        }),
      );
      expect(statuses.flat().every((status) => status === 200)).toBe(true);
      const posted = (): number => x.standIn.posts().length - before;
      for (let kill = 1; kill <= KILLS; kill++) {
        // Kills spread over the drain, each while posts and confirmations are in flight.
        const target = Math.round((bodies.length * kill) / (KILLS + 2));
        await waitFor(() => posted() >= target, `${target} posts before kill ${kill}`, 60_000);
        app.process.kill("SIGKILL");
        await app.process.exited;
        app = await startAppProcess(env);
      }
      const confirmations = (phone: string): string[] => repliesAfterConnecting(twilio, phone);
      await waitFor(
        () => phones.every((phone) => confirmations(phone).length >= PER_NUMBER),
        "a confirmation for every text",
        90_000,
      );
      const posts = x.standIn.posts().slice(before);
      expect(posts.map((p) => p.text).toSorted()).toEqual(bodies.map((b) => b.body).toSorted());
      for (const [p, phone] of phones.entries()) {
        const mine = posts.filter((post) => post.text.startsWith(`kill ${p}.`)).map((post) => post.text);
        expect(mine).toEqual(Array.from({ length: PER_NUMBER }, (_, n) => `kill ${p}.${n}`));
        const bodiesSent = confirmations(phone);
        expect(bodiesSent).toHaveLength(PER_NUMBER);
        expect(new Set(bodiesSent).size).toBe(PER_NUMBER);
      }
    } catch (error) {
      if (process.env.DEBUG_KILL) {
        const { Database } = await import("bun:sqlite");
        const db = new Database(env.DATABASE_PATH ?? "", { readonly: true });
        console.log(
          db
            .query(
              "SELECT kind, state, count(*) n, max(attempts) a, max(run_at) - ?1 r FROM jobs GROUP BY 1, 2",
            )
            .all(Date.now()),
        );
        console.log(
          db
            .query(
              "SELECT id, kind, state, attempts, faults, last_error, locked_by, locked_until - ?1 lu, run_at - ?1 ra FROM jobs WHERE state IN ('pending','running') LIMIT 10",
            )
            .all(Date.now()),
        );
        console.log(app.output().split("\n").slice(-30).join("\n"));
      }
      throw error;
    } finally {
      app.process.kill("SIGTERM");
      await app.process.exited;
    }
  }, 240_000);
});
