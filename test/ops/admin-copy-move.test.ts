import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { admin, adminErrors } from "../support/admin";
import { type FreshDatabase, freshDatabase, hasPostgres } from "../support/postgres";
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

const PHONE = "+14155550161";

let x: XHarness;
let twilio: TwilioFixture;
let database: FreshDatabase | undefined;
const running = new Set<AppProcess>();
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterAll(async () => {
  for (const app of running) await stop(app);
  await x.stop();
  await twilio.stop();
  await database?.drop();
});

async function start(env: Record<string, string>): Promise<AppProcess> {
  // As given: the first app runs on a real SQLite file in every pass (the copy's source).
  const app = await startAppProcess(env, { database: "as-given" });
  running.add(app);
  return app;
}

/** What `docker compose stop` does: SIGTERM, then the process finishes its work and exits. */
async function stop(app: AppProcess): Promise<void> {
  app.process.kill("SIGTERM");
  await app.process.exited;
  running.delete(app);
}

const postsOf = (text: string) => x.standIn.posts().filter((p) => p.text === text);

describe.skipIf(!hasPostgres)("moving an install to PostgreSQL with copy-to-postgres, on PostgreSQL", () => {
  it("should keep a texter connected before the move posting after it, without a new link, and post what was waiting", async () => {
    const { env, publicUrl } = appEnvironment(x, twilio);
    const text = texter(twilio, publicUrl);
    const onSqlite = await start(env);
    await connectPhone(onSqlite, text, x, twilio, PHONE, "mover");
    await text(onSqlite, PHONE, "posted from SQLite");
    await waitFor(() => repliesAfterConnecting(twilio, PHONE)[0], "the first confirmation");
    // X's rate limit holds the next post for a few seconds, and the operator stops the app meanwhile:
    // the text waits in the queue and moves with it.
    const tweets = (): number =>
      x.standIn.requests.filter((r) => r.method === "POST" && r.path === "/2/tweets").length;
    const tried = tweets();
    const reset = Math.ceil(Date.now() / 1000) + 8;
    x.standIn.failNext("tweets", { status: 429, headers: { "x-rate-limit-reset": String(reset) } });
    await text(onSqlite, PHONE, "waiting during the move");
    await waitFor(() => tweets() > tried, "the post refused by X's rate limit");
    await stop(onSqlite);
    expect(postsOf("waiting during the move")).toHaveLength(0);

    database = await freshDatabase({ migrated: false });
    const copy = await admin(["copy-to-postgres", env.DATABASE_PATH ?? ""], {
      DATABASE_URL: database.url,
      TOKEN_ENCRYPTION_KEY: env.TOKEN_ENCRYPTION_KEY ?? "",
    });
    expect(adminErrors(copy)).toEqual([]);
    expect(copy.code).toBe(0);

    const onPostgres = await start({ ...env, DATABASE_URL: database.url });
    const sentBefore = twilio.standIn.messagesTo(PHONE).length;
    await text(onPostgres, PHONE, "posted from PostgreSQL");
    // Behind the waiting post in the number's lane, which goes once X's reset passes.
    await waitFor(() => postsOf("posted from PostgreSQL").length === 1, "the post after the move", 20_000);
    await waitFor(() => postsOf("waiting during the move").length === 1, "the waiting post, after the move");
    const after = await waitFor(() => {
      const texts = twilio.standIn
        .messagesTo(PHONE)
        .slice(sentBefore)
        .map((m) => m.body);
      return texts.length >= 2 ? texts : undefined;
    }, "both confirmations");
    expect(after.every((body) => body.startsWith("Posted"))).toBe(true);
    expect(twilio.standIn.messagesTo(PHONE).filter((m) => m.body.includes("/auth/"))).toHaveLength(1);
    expect(postsOf("posted from SQLite")).toHaveLength(1);
    // In the order they arrived: the waiting one first.
    const order = x.standIn.posts().map((p) => p.text);
    expect(order.indexOf("waiting during the move")).toBeLessThan(order.indexOf("posted from PostgreSQL"));
  }, 90_000);
});
