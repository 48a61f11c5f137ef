/**
 * The bench's X and Twilio, in a process of their own so that the app's RSS and CPU are its own:
 * `bun bench/standins.ts` serves the X stand-in and the Twilio stand-in (API and media CDN) over loopback
 * TLS with the test certificate, plus a small plain-HTTP control API for the bench. Prints one JSON line
 * with the URLs once listening, then serves until killed or until its stdin closes (the bench is gone).
 *
 * Control API (all JSON):
 * - `GET  /stats`            posts and texts so far, X's POST /2/tweets calls, held calls, last times
 * - `POST /x`                `{ mode?: "ok" | "503" | "hold", delayMs?: number }`; leaving "hold" releases
 *                            every held POST /2/tweets, which X then handles as usual
 * - `GET  /texts?to=+1…&count=n`  waits (up to 60 s) until `to` has n texts; answers their bodies
 * - `POST /approve`          `{ url, username }`: consents at X's authorize URL; answers `{ callback }`
 * - `GET  /order`            whether every author's posts carry increasing `#n` suffixes (per-number order),
 *                            and how many posts repeat an author's `#n` (posted twice)
 * - `POST /callbacks`        `{ origin }`: where Twilio's status callbacks go (the app's own URL); null: none
 *
 * The stand-ins skip their schema checks (the suite runs them) so the bench times the app, not the checks;
 * `BENCH_VALIDATE=1` turns them on.
 */
import { join } from "node:path";
import { createTwilioStandIn } from "../src/sandbox/twilio";
import { createXStandIn } from "../src/sandbox/x";
import { problem } from "../src/sandbox/x/http";

export const BENCH_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
export const BENCH_AUTH_TOKEN = "bench-auth-token-0123456789abcdef";
export const BENCH_TWILIO_NUMBER = "+15005550006";
export const BENCH_X_CLIENT_ID = "bench-client-id";
export const BENCH_X_CLIENT_SECRET = "bench-client-secret";
export const CERT_PATH = join(import.meta.dir, "../test/support/certs/cert.pem");
const KEY_PATH = join(import.meta.dir, "../test/support/certs/key.pem");

const validate = process.env.BENCH_VALIDATE === "1";

export type StandInUrls = { xUrl: string; twilioUrl: string; controlUrl: string };

export type StandInStats = {
  /** Posts X accepted (201). */
  posts: number;
  /** Texts Twilio accepted (201). */
  texts: number;
  /** Every POST /2/tweets that reached X, whatever it answered. */
  tweetCalls: number;
  /** POST /2/tweets answered 503 by the bench's outage switch. */
  tweet503: number;
  /** POST /2/tweets waiting for the hold to be lifted. */
  held: number;
  /** Epoch ms of the latest accepted post and text (0 before any). */
  lastPostAt: number;
  lastTextAt: number;
  mode: XMode;
  delayMs: number;
};

export type XMode = "ok" | "503" | "hold";

const json = (value: unknown, status = 200): Response => Response.json(value, { status });

function main(): void {
  const tls = { cert: Bun.file(CERT_PATH), key: Bun.file(KEY_PATH) };
  const x = createXStandIn({ clientId: BENCH_X_CLIENT_ID, clientSecret: BENCH_X_CLIENT_SECRET, validate });
  const twilio = createTwilioStandIn({
    accountSid: BENCH_ACCOUNT_SID,
    authToken: BENCH_AUTH_TOKEN,
    validate,
  });
  // Each text brings Twilio's status callbacks (sent, then delivered) back to the app, as in production; the
  // apps sign for https://smstweet.test, so the bench says where the app really listens (POST /callbacks).
  twilio.callbacks.enabled = false;
  const stats: StandInStats = {
    posts: 0,
    texts: 0,
    tweetCalls: 0,
    tweet503: 0,
    held: 0,
    lastPostAt: 0,
    lastTextAt: 0,
    mode: "ok",
    delayMs: 0,
  };
  let release: () => void = () => {};
  let released: Promise<void> = Promise.resolve();

  const xServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    idleTimeout: 60,
    async fetch(request) {
      const tweet = request.method === "POST" && new URL(request.url).pathname === "/2/tweets";
      if (tweet) {
        stats.tweetCalls++;
        if (stats.mode === "503") {
          stats.tweet503++;
          return problem(503, "Service Unavailable", "Service Unavailable");
        }
        if (stats.mode === "hold") {
          stats.held++;
          await released;
          stats.held--;
        }
      }
      const response = await x.handle(request);
      if (tweet && response.status === 201) {
        stats.posts++;
        stats.lastPostAt = Date.now();
      }
      return response;
    },
  });

  const messages = /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/;
  const twilioServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    idleTimeout: 60,
    async fetch(request) {
      const response = await twilio.handle(request);
      if (response.status === 201 && messages.test(new URL(request.url).pathname)) {
        stats.texts++;
        stats.lastTextAt = Date.now();
      }
      return response;
    },
  });
  const twilioUrl = `https://127.0.0.1:${twilioServer.port}`;
  twilio.baseUrl = twilioUrl;

  const control = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // GET /texts waits for the app (a minute at most): Bun's default idle timeout, 10 s, would cut it off.
    idleTimeout: 90,
    async fetch(request) {
      const url = new URL(request.url);
      const route = `${request.method} ${url.pathname}`;
      switch (route) {
        case "GET /stats":
          return json(stats);
        case "POST /x": {
          const body = (await request.json()) as { mode?: XMode; delayMs?: number };
          if (body.delayMs !== undefined) {
            stats.delayMs = body.delayMs;
            x.delayMs = body.delayMs;
          }
          if (body.mode !== undefined && body.mode !== stats.mode) {
            if (body.mode === "hold") released = new Promise((resolve) => (release = resolve));
            if (stats.mode === "hold") release();
            stats.mode = body.mode;
          }
          return json(stats);
        }
        case "GET /texts": {
          const to = url.searchParams.get("to") ?? "";
          const count = Number(url.searchParams.get("count") ?? "1");
          const deadline = Date.now() + 60_000;
          for (;;) {
            const bodies = twilio.messagesTo(to).map((m) => m.body);
            if (bodies.length >= count) return json(bodies);
            if (Date.now() > deadline) return json({ error: `timed out waiting for text #${count}` }, 504);
            await Bun.sleep(10);
          }
        }
        case "POST /callbacks": {
          const body = (await request.json()) as { origin: string | null };
          twilio.callbacks.origin = body.origin;
          twilio.callbacks.enabled = body.origin !== null;
          return json({ origin: body.origin });
        }
        case "POST /approve": {
          const body = (await request.json()) as { url: string; username: string };
          return json({ callback: await x.approve(body.url, body.username) });
        }
        case "GET /order": {
          const last = new Map<string, number>();
          const seen = new Set<string>();
          let outOfOrder = 0;
          let checked = 0;
          let duplicates = 0;
          for (const post of x.posts()) {
            const n = /#(\d+)$/.exec(post.text)?.[1];
            if (n === undefined) continue;
            checked++;
            const seq = Number(n);
            if ((last.get(post.username) ?? -1) >= seq) outOfOrder++;
            last.set(post.username, seq);
            const key = `${post.username} ${post.text}`;
            if (seen.has(key)) duplicates++;
            seen.add(key);
          }
          return json({ checked, outOfOrder, duplicates });
        }
      }
      return json({ error: "no such route" }, 404);
    },
  });

  const urls: StandInUrls = {
    xUrl: `https://127.0.0.1:${xServer.port}`,
    twilioUrl,
    controlUrl: `http://127.0.0.1:${control.port}`,
  };
  console.log(JSON.stringify(urls));
  // The bench holds our stdin open: when it goes away (even killed), so do we.
  void (async () => {
    for await (const _ of Bun.stdin.stream()) {
      // nothing is sent on it
    }
    process.exit(0);
  })();
}

if (import.meta.main) main();
