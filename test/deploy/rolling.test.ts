import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { textApp } from "../../src/sandbox/phone";
import { type Caddy, startCaddy } from "../support/caddy";
import { type AppProcess, freePort } from "../support/process";
import {
  canRun,
  DIALECT_NAMES,
  REPLICA_DIALECTS,
  type SharedDatabase,
  sharedDatabaseOn,
} from "../support/shared-database";
import { appEnvironment, BUSY_NUMBERS, connectPhone, startAppProcess, texter } from "../support/stack";
import { startTwilio, TWILIO_NUMBER, type TwilioFixture } from "../support/twilio";
import { waitFor } from "../support/wait";
import { startX, type XHarness } from "../support/x";

// Caddy checks each replica every 250 ms (timeout 1 s); a stopping replica keeps serving for 2 s, longer
// than interval + timeout, as the README asks of DRAIN_SECONDS against Caddy's defaults.
const CADDY_HEALTH = { CADDY_HEALTH_INTERVAL: "250ms", CADDY_HEALTH_TIMEOUT: "1s" };
const DRAIN_SECONDS = "2";

let x: XHarness;
let twilio: TwilioFixture;
const databases: SharedDatabase[] = [];
let caddy: Caddy | undefined;
const replicas: AppProcess[] = [];
beforeAll(async () => {
  x = await startX();
  twilio = startTwilio();
});
afterEach(async () => {
  if (process.env.DEBUG_REPLICAS)
    for (const [i, app] of replicas.entries()) await Bun.write(`/tmp/rolling-${i}.log`, app.output());
  const stopping = replicas.splice(0);
  for (const replica of stopping) replica.process.kill("SIGKILL");
  await Promise.all(stopping.map((replica) => replica.process.exited));
  await caddy?.stop();
  caddy = undefined;
  for (const db of databases.splice(0)) await db.drop();
}, 30_000);
afterAll(async () => {
  await x.stop();
  await twilio.stop();
});

type Sent = { phone: string; body: string; sid: string; status: number | string };

for (const dialect of REPLICA_DIALECTS) {
  describe.skipIf(!canRun(dialect))(
    `a rolling restart of two replicas behind the project's Caddyfile (${DIALECT_NAMES[dialect]})`,
    () => {
      it("should answer every webhook 200 while each replica in turn stops and starts, and post each text once", async () => {
        const db = await sharedDatabaseOn(dialect);
        databases.push(db);
        // Numbers of their own per database: the Twilio stand-in is shared, and a link texted before is stale.
        const PHONES = [1, 2, 3, 4, 5].map((n) => `+1415555${REPLICA_DIALECTS.indexOf(dialect)}17${n}`);
        const caddyUrl = `http://127.0.0.1:${freePort()}`;
        const envs = [0, 1].map(() => {
          const { env } = appEnvironment(x, twilio, { publicUrl: caddyUrl });
          return { ...env, ...db.env, ...BUSY_NUMBERS, DRAIN_SECONDS } as Record<string, string>;
        });
        for (const env of envs) replicas.push(await startAppProcess(env));
        caddy = await startCaddy({
          domain: caddyUrl,
          upstream: envs.map((env) => `127.0.0.1:${env.PORT}`).join(" "),
          env: CADDY_HEALTH,
        });
        const front = { url: caddyUrl } as AppProcess;
        const text = texter(twilio, caddyUrl);
        for (const [i, phone] of PHONES.entries())
          await connectPhone(front, text, x, twilio, phone, `roll${dialect}${i}`);
        const postsBefore = x.standIn.posts().length;

        // Twilio's side: a signed webhook every 20 ms, round the numbers, until the restarts are over. One
        // number's next text leaves once its last was answered: "in order" is the order they arrived in.
        const sent: Sent[] = [];
        const previous = new Map<string, Promise<void>>();
        const send = async (entry: Sent): Promise<void> => {
          try {
            const res = await textApp(caddyUrl, {
              publicUrl: caddyUrl,
              authToken: twilio.authToken,
              accountSid: twilio.accountSid,
              from: entry.phone,
              to: TWILIO_NUMBER,
              body: entry.body,
              messageSid: entry.sid,
            });
            await res.arrayBuffer();
            entry.status = res.status;
          } catch (error) {
            entry.status = String(error);
          }
        };
        let sending = true;
        const sender = (async () => {
          for (let n = 0; sending; n++) {
            const phone = PHONES[n % PHONES.length] ?? "";
            const entry: Sent = {
              phone,
              body: `rolling ${dialect} ${n}`,
              sid: `SM${String(n).padStart(32, "0")}`,
              status: 0,
            };
            sent.push(entry);
            previous.set(
              phone,
              (previous.get(phone) ?? Promise.resolve()).then(() => send(entry)),
            );
            await Bun.sleep(20);
          }
        })();

        for (const i of [0, 1]) {
          const old = replicas[i] as AppProcess;
          old.process.kill("SIGTERM");
          expect(await old.process.exited).toBe(0);
          const fresh = await startAppProcess(envs[i] as Record<string, string>);
          replicas[i] = fresh;
          // Back in rotation: Caddy's checks passed and it sends the new process webhooks again.
          await waitFor(
            () => fresh.output().includes('"sms.received"'),
            `replica ${i} to get webhooks again`,
          );
        }
        sending = false;
        await sender;
        await waitFor(() => sent.every((entry) => entry.status !== 0), "every webhook's answer");

        const refused = sent.filter((entry) => entry.status !== 200);
        console.log(`rolling restart: ${sent.length} webhooks sent, ${refused.length} not answered 200`);
        expect(refused).toEqual([]);
        expect(sent.length).toBeGreaterThan(100);

        await waitFor(
          () => x.standIn.posts().length - postsBefore >= sent.length,
          "a post for every text",
          60_000,
        );
        const posts = x.standIn.posts().slice(postsBefore);
        expect(posts.map((post) => post.text).sort()).toEqual(sent.map((entry) => entry.body).sort());
        // In order per number, and each confirmed once.
        for (const phone of PHONES) {
          const mine = sent.filter((entry) => entry.phone === phone).map((entry) => entry.body);
          const ofNumber = new Set(mine);
          expect(posts.filter((post) => ofNumber.has(post.text)).map((post) => post.text)).toEqual(mine);
          await waitFor(
            () => twilio.standIn.messagesTo(phone).length >= mine.length + 2,
            `a confirmation for every text from ${phone}`,
          );
          const confirmations = twilio.standIn.messagesTo(phone).slice(2);
          expect(confirmations).toHaveLength(mine.length);
        }
      }, 120_000);
    },
  );
}
