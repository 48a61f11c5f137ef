import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import twilio from "twilio";
import { closeDatabase, openDatabase } from "../../src/db/client";
import { get } from "../../src/db/sql";
import { DEFAULT_DEADLINES } from "../../src/http/deadlines";
import { inboundParams, signedWebhook, textApp } from "../../src/sandbox/phone";
import { callbackParams } from "../../src/sandbox/twilio";
import {
  CADDYFILE,
  type Caddy,
  caddyEnv,
  requireCaddy,
  startCaddy as startRealCaddy,
} from "../support/caddy";
import { databaseAt } from "../support/database";
import { type AppProcess, freePort, startAppProcess } from "../support/process";
import { statusOfRaw, trickle } from "../support/raw-http";
import { waitFor } from "../support/wait";

// The real Caddy binary, run with the project's Caddyfile, in front of loopback upstreams.
const ROOT = join(import.meta.dir, "../..");

// The Dockerfile with line continuations joined, and its HEALTHCHECK command (exec form).
const DOCKERFILE = readFileSync(join(ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, "");
const HEALTHCHECK = JSON.parse(DOCKERFILE.match(/^HEALTHCHECK .*? CMD (\[.*\])$/m)?.[1] ?? "[]") as string[];

const SECRET_CODE = "SECRETCODEc0ffee";
const SECRET_STATE = "SECRETSTATEfeed42";
const LINK_TOKEN = "LINKTOKEN".padEnd(43, "x"); // the shape of a one-time link token (43 base64url chars)

const started: Caddy[] = [];

/** The Caddyfile as Caddy's JSON for a real domain, with every default left as shipped. */
function adaptedForDomain(env: Record<string, string> = {}): {
  apps: { http: { servers: Record<string, unknown> } };
} {
  const caddy = requireCaddy();
  const home = mkdtempSync(join(tmpdir(), "smstweet-caddy-adapt-"));
  try {
    const run = Bun.spawnSync([caddy, "adapt", "--config", CADDYFILE, "--adapter", "caddyfile"], {
      cwd: home,
      env: caddyEnv(home, { DOMAIN: "smstweet.example.org", ...env }),
    });
    expect(run.exitCode).toBe(0);
    return JSON.parse(run.stdout.toString());
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function startCaddy(opts: { domain: string; upstream: string; env?: Record<string, string> }) {
  const handle = await startRealCaddy(opts);
  started.push(handle);
  return handle;
}

type Seen = { method: string; uri: string; headers: Headers; bodyBytes: number | "broken" };

/** A stand-in app that records every request reaching it: what "never reaches the app" is checked against. */
function startRecorder() {
  const seen: Seen[] = [];
  const server: Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      // Caddy's active health checks: not traffic from a client, so not in what the tests compare.
      if (url.pathname + url.search === "/healthz?ready") return new Response("ok");
      const entry: Seen = {
        method: req.method,
        uri: url.pathname + url.search,
        headers: req.headers,
        bodyBytes: 0,
      };
      seen.push(entry);
      try {
        entry.bodyBytes = (await req.arrayBuffer()).byteLength;
      } catch {
        entry.bodyBytes = "broken";
      }
      return new Response(`upstream saw ${entry.uri}`, {
        status: url.pathname === "/auth/callback" ? 400 : 200,
        headers: { "x-upstream": "recorder", server: "recorder/1.0", "referrer-policy": "same-origin" },
      });
    },
  });
  return {
    upstream: `127.0.0.1:${server.port}`,
    seen,
    paths: () => seen.map((s) => s.uri),
    stop: () => server.stop(true),
  };
}

/** Sends bytes exactly as given (no URL normalisation, unlike fetch) and returns whatever comes back. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("error", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** A form POST's request line and headers, as a raw socket sends them. */
function formHead(port: number, path: string, length: number, extra: Record<string, string> = {}): string {
  const headers = Object.entries(extra).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.join("")}` +
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`
  );
}

/** Status, or "aborted" when Caddy closed the connection without answering. */
async function statusOf(url: string, init?: RequestInit): Promise<number | "aborted"> {
  try {
    const res = await fetch(url, { redirect: "manual", ...init });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return "aborted";
  }
}

function accessLines(caddy: Caddy): Record<string, unknown>[] {
  return caddy
    .accessLog()
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

const SCANNER_PATHS = [
  "/wordpress/",
  "/wp-admin/install.php",
  "/wp-login.php",
  "/xmlrpc.php",
  "/.env",
  "/.git/config",
  "/phpmyadmin/index.php",
  "/cgi-bin/luci",
  "/index.php",
  "/auth/shell.php",
  "/blog/wp-includes/wlwmanifest.xml",
  "/backup.sql",
  "/.aws/credentials",
];

afterAll(async () => {
  for (const caddy of started) caddy.process.kill();
  await Promise.all(started.map((caddy) => caddy.process.exited));
  for (const caddy of started) rmSync(caddy.home, { recursive: true, force: true });
});

/** Every reverse_proxy handler in Caddy's JSON (one per forwarded route). */
function proxies(config: unknown): Record<string, unknown>[] {
  if (Array.isArray(config)) return config.flatMap(proxies);
  if (config === null || typeof config !== "object") return [];
  const node = config as Record<string, unknown>;
  if (node.handler === "reverse_proxy") return [node];
  return Object.values(node).flatMap(proxies);
}

describe("the Caddyfile", () => {
  it("should balance every forwarded route over each APP_UPSTREAM listed, checking /healthz?ready", () => {
    const handlers = proxies(adaptedForDomain({ APP_UPSTREAM: "app1:3000 app2:3000  app3:3000" }));
    expect(handlers).toHaveLength(3);
    for (const handler of handlers) {
      expect(handler.upstreams).toEqual([
        { dial: "app1:3000" },
        { dial: "app2:3000" },
        { dial: "app3:3000" },
      ]);
      expect(handler).toMatchObject({
        load_balancing: { selection_policy: { policy: "least_conn" } },
        health_checks: { active: { uri: "/healthz?ready", interval: 2e9, timeout: 2e9 } },
      });
    }
    // One upstream, as in the single-machine compose file, is still a plain proxy to it.
    expect(proxies(adaptedForDomain()).map((h) => h.upstreams)).toEqual(
      Array(3).fill([{ dial: "app:3000" }]),
    );
  });

  it("should be valid for a real domain and for a local http:// address, and formatted", async () => {
    const caddy = requireCaddy();
    const home = mkdtempSync(join(tmpdir(), "smstweet-caddy-validate-"));
    try {
      for (const domain of ["smstweet.example.org", "http://127.0.0.1:8080"]) {
        const run = Bun.spawnSync([caddy, "validate", "--config", CADDYFILE, "--adapter", "caddyfile"], {
          cwd: home,
          env: caddyEnv(home, { DOMAIN: domain }),
        });
        expect({
          domain,
          code: run.exitCode,
          out: run.stdout.toString() + run.stderr.toString(),
        }).toMatchObject({
          code: 0,
          out: expect.stringContaining("Valid configuration"),
        });
        if (!domain.startsWith("http://")) {
          expect(run.stderr.toString()).toContain("enabling automatic HTTP->HTTPS redirects");
        }
      }
      const fmt = Bun.spawnSync([caddy, "fmt", CADDYFILE], { cwd: home, env: caddyEnv(home, {}) });
      expect(fmt.stdout.toString()).toBe(readFileSync(CADDYFILE, "utf8"));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("should get automatic HTTPS for a real domain: listen on 443 and redirect HTTP to it", () => {
    const config = adaptedForDomain();
    const servers = Object.values(config.apps.http.servers) as {
      listen: string[];
      automatic_https?: { disable?: boolean; disable_redirects?: boolean };
    }[];
    expect(servers.map((s) => s.listen)).toEqual([[":443"]]);
    expect(servers[0]?.automatic_https?.disable).toBeUndefined();
    expect(servers[0]?.automatic_https?.disable_redirects).toBeUndefined();
    // The upstream defaults to the compose service.
    expect(JSON.stringify(config)).toContain('"dial":"app:3000"');
  });
});

describe("Caddy in front of a recording stand-in app", () => {
  let recorder: ReturnType<typeof startRecorder>;
  let caddy: Caddy;
  beforeAll(async () => {
    requireCaddy();
    recorder = startRecorder();
    caddy = await startCaddy({ domain: `http://127.0.0.1:${freePort()}`, upstream: recorder.upstream });
  });
  afterAll(() => recorder?.stop());

  it("should forward the app's routes and answer with the app's status", async () => {
    const routes: [string, string, number][] = [
      ["POST", "/sms", 200],
      ["POST", "/sms/status", 200],
      ["GET", "/", 200],
      ["GET", "/healthz", 200],
      ["HEAD", "/healthz", 200],
      ["GET", `/auth/${LINK_TOKEN}`, 200],
      ["POST", `/auth/${LINK_TOKEN}`, 200],
      ["GET", "/auth/callback?error=access_denied&state=x", 400],
      ["GET", "/public/style.css", 200],
      ["GET", "/robots.txt", 200],
      ["GET", "/favicon.ico", 200],
    ];
    for (const [method, path, status] of routes) {
      const body = method === "POST" ? "Body=hi" : undefined;
      const res = await fetch(`${caddy.url}${path}`, { method, body, redirect: "manual" });
      expect({ method, path, status: res.status, from: res.headers.get("x-upstream") }).toEqual({
        method,
        path,
        status,
        from: "recorder",
      });
    }
    expect(recorder.paths()).toContain("/auth/callback?error=access_denied&state=x");
  });

  it("should answer 404 itself for anything else, including /sandbox, without reaching the app", async () => {
    const before = recorder.seen.length;
    const others: [string, string][] = [
      ["GET", "/sandbox"],
      ["GET", "/sandbox/phone"],
      ["GET", "/sms"],
      ["PUT", "/sms"],
      ["GET", "/sms/status"],
      ["PUT", "/sms/status"],
      ["POST", "/sms/status/x"],
      ["POST", "/"],
      ["DELETE", "/auth/abc"],
      ["GET", "/settings"],
      ["GET", "/api/v1/users"],
      ["GET", "/sms/"],
      ["GET", "/healthz/extra"],
      ["GET", "/.well-known/security.txt"],
      // The app's own, for the compose network only (spec: Metrics).
      ["GET", "/metrics"],
      ["GET", "/metrics/"],
    ];
    for (const [method, path] of others) {
      expect({ method, path, status: await statusOf(`${caddy.url}${path}`, { method }) }).toEqual({
        method,
        path,
        status: 404,
      });
    }
    expect(recorder.seen.slice(before)).toEqual([]);
  });

  it("should drop scanner traffic without it ever reaching the app", async () => {
    const before = recorder.seen.length;
    for (const path of SCANNER_PATHS) {
      const status = await statusOf(`${caddy.url}${path}`);
      expect({ path, status }).toEqual({ path, status: "aborted" });
    }
    // fetch would resolve the dots itself; a scanner sends them as they are.
    const port = portOf(caddy.url);
    for (const path of ["/public/../.env", "/public/../wp-login.php", "/%2e%2e/.git/config"]) {
      const answer = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      expect({ path, answer }).toEqual({ path, answer: "" }); // closed without a word
    }
    expect(recorder.seen.slice(before)).toEqual([]);
  });

  it("should keep scanner traffic out of the access log, and log the app's routes", async () => {
    for (const path of SCANNER_PATHS) await statusOf(`${caddy.url}${path}`);
    const marker = `/?after-scanners=${Date.now()}`;
    await statusOf(`${caddy.url}${marker}`);
    // Lines are written in order: once the request after the scanners is logged, theirs would be too.
    const uris = await waitFor(() => {
      const logged = accessLines(caddy).map((line) => String((line.request as { uri?: string })?.uri));
      return logged.includes(marker) ? logged : undefined;
    }, "the request after the scanners in the access log");
    for (const path of SCANNER_PATHS)
      expect({ path, logged: uris.includes(path) }).toEqual({ path, logged: false });
  });

  it("should answer 413 to a 2 MB POST /sms with Content-Length, and never pass it on", async () => {
    const before = recorder.seen.length;
    const body = `Body=${"x".repeat(2 * 1024 * 1024)}`;
    const res = await fetch(`${caddy.url}/sms`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // Just over the app's limit (64 KiB) is refused too; exactly at it goes through.
    expect(await statusOf(`${caddy.url}/sms`, { method: "POST", body: "x".repeat(65_537) })).toBe(413);
    expect(recorder.seen.slice(before)).toEqual([]);
    expect(await statusOf(`${caddy.url}/sms`, { method: "POST", body: "x".repeat(65_536) })).toBe(200);
    expect(recorder.seen.at(-1)?.bodyBytes).toBe(65_536);
  });

  it("should never deliver an oversized chunked body to the app intact", async () => {
    const before = recorder.seen.length;
    const chunk = new TextEncoder().encode("x".repeat(50_000));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(chunk); // 2 MB, no Content-Length
        controller.close();
      },
    });
    const res = await fetch(`${caddy.url}/sms`, { method: "POST", body: stream });
    await res.arrayBuffer();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("x-upstream")).toBeNull();
    expect(res.headers.get("x-frame-options")).toBe("DENY"); // Caddy's error path has the headers too
    for (const seen of recorder.seen.slice(before)) expect(seen.bodyBytes).not.toBe(2_000_000);
  });

  it("should add security headers and remove Server, on the app's answers and on its own", async () => {
    for (const path of ["/", "/nothing-here"]) {
      const res = await fetch(`${caddy.url}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBeTruthy();
      expect(res.headers.get("server")).toBeNull();
      // Plain http:// (local tests): HSTS would be meaningless and is not sent.
      expect(res.headers.get("strict-transport-security")).toBeNull();
    }
    // The app's own Referrer-Policy wins; Caddy fills in no-referrer only on its own answers (this 404).
    expect((await fetch(`${caddy.url}/`)).headers.get("referrer-policy")).toBe("same-origin");
    expect((await fetch(`${caddy.url}/nothing-here`)).headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("should keep X-Forwarded-* as Caddy's defaults", async () => {
    await fetch(`${caddy.url}/healthz`);
    const headers = recorder.seen.at(-1)?.headers;
    expect(headers?.get("x-forwarded-for")).toBe("127.0.0.1");
    expect(headers?.get("x-forwarded-proto")).toBe("http");
    expect(headers?.get("x-forwarded-host")).toBe(new URL(caddy.url).host);
  });

  it("should write JSON access logs without OAuth codes, states, link tokens or the state cookie", async () => {
    const referer = `${caddy.url}/auth/callback?code=${SECRET_CODE}&state=${SECRET_STATE}`;
    const cookie = `smstweet_oauth=${SECRET_STATE}`;
    await fetch(`${caddy.url}/auth/callback?code=${SECRET_CODE}&state=${SECRET_STATE}`, {
      headers: { cookie },
    });
    await fetch(`${caddy.url}/auth/${LINK_TOKEN}`, { headers: { referer } });
    await fetch(`${caddy.url}/public/style.css`, { headers: { referer, cookie } });

    // The app itself still gets everything it needs, unaltered.
    const forwarded = recorder.seen.slice(-3);
    expect(forwarded.map((s) => s.uri)).toEqual([
      `/auth/callback?code=${SECRET_CODE}&state=${SECRET_STATE}`,
      `/auth/${LINK_TOKEN}`,
      "/public/style.css",
    ]);
    expect(forwarded[0]?.headers.get("cookie")).toBe(cookie);
    expect(forwarded[2]?.headers.get("referer")).toBe(referer);

    const lines = await waitFor(() => {
      const parsed = accessLines(caddy);
      return parsed.some((l) => JSON.stringify(l).includes("/public/style.css")) && parsed;
    }, "the access log lines");
    const uris = lines.map((l) => (l.request as { uri: string }).uri);
    expect(uris).toContain("/auth/callback?code=REDACTED&state=REDACTED");
    expect(uris).toContain("/auth/REDACTED");
    const log = caddy.accessLog();
    for (const secret of [SECRET_CODE, SECRET_STATE, LINK_TOKEN]) expect(log).not.toContain(secret);
    // Caddy's own log (stderr) holds no request data either.
    for (const secret of [SECRET_CODE, SECRET_STATE, LINK_TOKEN])
      expect(caddy.stderr()).not.toContain(secret);
  });
});

describe("Caddy's request deadlines", () => {
  let recorder: ReturnType<typeof startRecorder>;
  let caddy: Caddy;
  // Production waits 10 s for headers and 20 s for a whole request; 1 s here keeps the tests short.
  beforeAll(async () => {
    requireCaddy();
    recorder = startRecorder();
    caddy = await startCaddy({
      domain: `http://127.0.0.1:${freePort()}`,
      upstream: recorder.upstream,
      env: { CADDY_READ_HEADER_TIMEOUT: "1s", CADDY_READ_BODY_TIMEOUT: "1s" },
    });
  });
  afterAll(() => recorder?.stop());

  it("should default to 10 s for headers and 20 s for the whole request", () => {
    const servers = Object.values(adaptedForDomain().apps.http.servers) as Record<string, unknown>[];
    // Caddy's JSON holds durations in nanoseconds.
    expect(servers.map((s) => [s.read_header_timeout, s.read_timeout])).toEqual([[10e9, 20e9]]);
  });

  it("should let go of idle connections to the app before the app closes them, so no POST meets a closed socket", () => {
    const proxies: { transport?: { keep_alive?: { idle_timeout?: number } } }[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node !== null && typeof node === "object") {
        if ((node as { handler?: string }).handler === "reverse_proxy") proxies.push(node as never);
        Object.values(node).forEach(collect);
      }
    };
    collect(adaptedForDomain());
    expect(proxies.length).toBe(3);
    // Caddy's JSON holds durations in nanoseconds; unset would be Caddy's 2 minutes.
    const appIdleNs = DEFAULT_DEADLINES.idleSeconds * 1e9;
    for (const proxy of proxies) {
      expect(proxy.transport?.keep_alive?.idle_timeout ?? 120e9).toBeLessThan(appIdleNs);
    }
  });

  it("should cut off a body that trickles in, so that the app never gets it whole", async () => {
    const before = recorder.seen.length;
    const port = portOf(caddy.url);
    const body = "Body=".padEnd(200, "x");
    const cut = await trickle(port, formHead(port, "/sms", body.length), body, 40);
    expect(cut.bodyBytesSent).toBeLessThan(body.length / 2);
    expect(cut.elapsedMs).toBeLessThan(5_000);
    expect(cut.answer).not.toContain("x-upstream");
    // Caddy streams bodies to the app (2.6's buffer_requests would forward a truncated body as if whole):
    // the app sees the request start, and its read of the body fails when Caddy gives up.
    const seen = await waitFor(
      () => recorder.seen.slice(before).every((s) => s.bodyBytes !== 0) && recorder.seen.slice(before),
      "the app's read to end",
    );
    expect(seen.map((s) => s.bodyBytes)).toEqual(seen.map(() => "broken"));
  });

  it("should cut off headers that trickle in, without reaching the app", async () => {
    const before = recorder.seen.length;
    const port = portOf(caddy.url);
    const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: ${"slow".repeat(20)}\r\n\r\n`;
    const cut = await trickle(port, "", request, 40);
    expect(cut.bodyBytesSent).toBeLessThan(request.length / 2);
    expect(cut.elapsedMs).toBeLessThan(5_000);
    expect([400, 408, null]).toContain(statusOfRaw(cut.answer));
    expect(recorder.seen.slice(before)).toEqual([]);
  });

  it("should still pass a request that arrives at once", async () => {
    const res = await fetch(`${caddy.url}/sms`, { method: "POST", body: "Body=hi" });
    expect([res.status, res.headers.get("x-upstream"), recorder.seen.at(-1)?.bodyBytes]).toEqual([
      200,
      "recorder",
      7,
    ]);
  });
});

describe("Caddy on https", () => {
  it("should send HSTS on an https site", async () => {
    requireCaddy();
    const recorder = startRecorder();
    try {
      // An IP address gets a certificate from Caddy's own CA (skip_install_trust: the host is untouched).
      const caddy = await startCaddy({
        domain: `https://127.0.0.1:${freePort()}`,
        upstream: recorder.upstream,
        env: { CADDY_HTTP_PORT: String(freePort()) },
      });
      const res = await fetch(`${caddy.url}/healthz`, { tls: { rejectUnauthorized: false } });
      expect(res.status).toBe(200);
      expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d{7,}/);
      expect(res.headers.get("server")).toBeNull();
    } finally {
      recorder.stop();
    }
  });
});

const METRICS_TOKEN = "deploy-metrics-token-0123456789";

describe("Caddy in front of the real app", () => {
  let app: AppProcess | undefined;
  let caddy: Caddy;
  const authToken = "dummy-twilio-auth-token";
  const dataDir = mkdtempSync(join(tmpdir(), "smstweet-deploy-"));
  beforeAll(async () => {
    requireCaddy();
    const appPort = freePort();
    const publicUrl = `http://127.0.0.1:${freePort()}`;
    app = await startAppProcess({
      PORT: String(appPort),
      HOST: "127.0.0.1",
      PUBLIC_URL: publicUrl,
      DATABASE_PATH: join(dataDir, "app.db"),
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_PHONE_NUMBER: "+15005550006",
      // Nothing here calls them except the welcome text, which fails and is retried in the background.
      TWILIO_API_URL: "https://127.0.0.1:9",
      X_CLIENT_ID: "dummy-client-id",
      X_CLIENT_SECRET: "dummy-client-secret",
      X_API_URL: "https://127.0.0.1:9",
      X_AUTHORIZE_URL: "https://127.0.0.1:9/i/oauth2/authorize",
      LOG_LEVEL: "warn",
      METRICS_TOKEN: METRICS_TOKEN,
    });
    // 1 s, not 20: the trickle below is cut in a moment; everything else here arrives at once.
    caddy = await startCaddy({
      domain: publicUrl,
      upstream: `127.0.0.1:${appPort}`,
      env: { CADDY_READ_BODY_TIMEOUT: "1s" },
    });
    // Starting an app on a fresh PostgreSQL database (created, then migrated) takes longer than 5 s on a busy box.
  }, 30_000);
  afterAll(async () => {
    app?.process.kill();
    await app?.process.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("should pass the Dockerfile's HEALTHCHECK while the app runs, and fail it when nothing answers", () => {
    expect(HEALTHCHECK[0]).toBe("bun");
    const env = { PATH: process.env.PATH ?? "" };
    const up = Bun.spawnSync(HEALTHCHECK, { env: { ...env, PORT: new URL(app?.url ?? "").port } });
    expect(up.exitCode).toBe(0);
    const down = Bun.spawnSync(HEALTHCHECK, { env: { ...env, PORT: String(freePort()) } });
    expect(down.exitCode).not.toBe(0);
  });

  it("should serve the app's pages and health check through Caddy", async () => {
    const health = await fetch(`${caddy.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");
    const landing = await fetch(`${caddy.url}/`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get("content-type")).toContain("text/html");
    expect(landing.headers.get("content-security-policy")).toContain("default-src 'none'"); // the app's
    expect(landing.headers.get("server")).toBeNull();
    for (const path of ["/robots.txt", "/favicon.ico", "/public/style.css"]) {
      expect({ path, status: (await fetch(`${caddy.url}${path}`)).status }).toEqual({ path, status: 200 });
    }
    expect((await fetch(`${caddy.url}/auth/${LINK_TOKEN}`)).status).toBe(410); // the app: unknown link
    expect(await statusOf(`${caddy.url}/wp-login.php`)).toBe("aborted");
    expect(await statusOf(`${caddy.url}/sandbox`)).toBe(404);
  });

  it("should never forward /metrics, even with METRICS_TOKEN, which the app itself honours", async () => {
    const bearer = { authorization: `Bearer ${METRICS_TOKEN}` };
    for (const headers of [{}, bearer]) {
      const through = await fetch(`${caddy.url}/metrics`, { headers });
      expect(through.status).toBe(404);
      expect(await through.text()).not.toContain("smstweet_");
    }
    // Direct to the app (the compose network), with what Caddy would have added: the token admits.
    const direct = await fetch(`${app?.url}/metrics`, {
      headers: { ...bearer, "x-forwarded-for": "203.0.113.9" },
    });
    expect(direct.status).toBe(200);
    expect(await direct.text()).toContain("smstweet_sms_segments_total");
  });

  it("should let a Twilio-signed webhook through, checked against PUBLIC_URL, and refuse an unsigned one", async () => {
    const unsigned = await fetch(`${caddy.url}/sms`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "From=%2B14155550100&Body=hi",
    });
    expect(unsigned.status).toBe(403);
    const signed = await textApp(caddy.url, {
      publicUrl: caddy.url,
      authToken,
      accountSid: `AC${"0".repeat(32)}`,
      from: "+14155550100",
      to: "+15005550006",
      body: "hello",
    });
    expect(signed.status).toBe(200);
    expect(await signed.text()).toContain("<Response");
  });

  it("should let a Twilio-signed status callback reach the app, checked against PUBLIC_URL/sms/status", async () => {
    const params = callbackParams(
      { sid: `SM${"e".repeat(32)}`, to: "+14155550100", from: "+15005550006", messagingServiceSid: null },
      `AC${"0".repeat(32)}`,
      "delivered",
      null,
    );
    const post = (signature: string) =>
      fetch(`${caddy.url}/sms/status`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
        body: new URLSearchParams(params).toString(),
      });
    const signedFor = (url: string) => twilio.getExpectedTwilioSignature(authToken, url, params);
    expect((await post(signedFor(`${caddy.url}/sms`))).status).toBe(403);
    // An unknown MessageSid (pruned or erased) is answered and forgotten: the app, not Caddy, said 204.
    expect((await post(signedFor(`${caddy.url}/sms/status`))).status).toBe(204);
  });

  it("should cut off a signed webhook that trickles in, store nothing, and keep the app healthy", async () => {
    const port = portOf(caddy.url);
    const params = inboundParams({
      accountSid: `AC${"0".repeat(32)}`,
      from: "+14155550199",
      to: "+15005550006",
      body: "slowly",
    });
    const webhook = signedWebhook({ publicUrl: caddy.url, authToken, params });
    // The app's own database, whichever the pass runs on.
    const db = await openDatabase(await databaseAt(join(dataDir, "app.db")));
    // What a webhook stores; the worker meanwhile still answers the earlier tests' texts in other tables.
    const stored = async () =>
      await get<{ inbound_messages: number; message_sids: number }>(
        db,
        `SELECT (SELECT count(*) FROM inbound_messages) AS "inbound_messages",
          (SELECT count(*) FROM message_sids) AS "message_sids"`,
      );
    try {
      const before = await stored();
      const cut = await trickle(
        port,
        formHead(port, "/sms", webhook.body.length, webhook.headers),
        webhook.body,
        40,
      );
      expect(cut.bodyBytesSent).toBeLessThan(webhook.body.length / 2);
      expect(cut.elapsedMs).toBeLessThan(5_000);
      expect(await stored()).toEqual(before);
      // The app answered Caddy's broken request with a 4xx, not a crash or an unhandled error.
      expect((await fetch(`${caddy.url}/healthz`)).status).toBe(200);
      expect(app?.output()).not.toContain("http.unhandled");
      const whole = await fetch(`${caddy.url}/sms`, {
        method: "POST",
        headers: webhook.headers,
        body: webhook.body,
      });
      expect(whole.status).toBe(200);
      expect((await stored())?.inbound_messages).toBe((before?.inbound_messages ?? 0) + 1);
    } finally {
      await closeDatabase(db);
    }
  });

  it("should refuse oversized bodies before the app and keep the app healthy", async () => {
    const res = await fetch(`${caddy.url}/sms`, { method: "POST", body: "x".repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    const chunk = new TextEncoder().encode("x".repeat(50_000));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await fetch(`${caddy.url}/sms`, { method: "POST", body: stream });
    expect(chunked.status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${caddy.url}/healthz`)).status).toBe(200);
  });
});

describe("the container files", () => {
  type Service = Record<string, unknown> & { volumes?: string[]; ports?: string[] };
  const compose = Bun.YAML.parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };

  it("should describe app and caddy in docker-compose.yml, with only Caddy published", () => {
    const app = compose.services.app ?? {};
    const caddy = compose.services.caddy ?? {};
    const appVolumes = [...(app.volumes ?? [])];
    const caddyVolumes = [...(caddy.volumes ?? [])];
    expect(app).toMatchObject({
      build: ".",
      env_file: ".env",
      restart: "unless-stopped",
      healthcheck: { test: ["CMD", ...HEALTHCHECK] },
    });
    expect(app.ports).toBeUndefined();
    expect(appVolumes.map((v) => v.split(":")[1])).toEqual(["/app/data"]);
    expect(caddy).toMatchObject({
      image: "caddy:2.6",
      ports: ["80:80", "443:443", "443:443/udp"],
      environment: { APP_UPSTREAM: "app:3000" },
      depends_on: { app: { condition: "service_healthy" } },
    });
    expect(String((caddy.environment as Record<string, unknown>).DOMAIN)).toContain("${DOMAIN");
    expect(caddyVolumes.map((v) => v.split(":")[1])).toEqual(["/etc/caddy/Caddyfile", "/data", "/config"]);
    // Named volumes (declared at the top level), so certificates and the database survive a rebuild.
    for (const volume of [...appVolumes, ...caddyVolumes.slice(1)]) {
      expect(Object.keys(compose.volumes)).toContain(volume.split(":")[0] ?? "");
    }
  });

  it("should build a non-root Bun image whose COPY sources exist and are not ignored", () => {
    expect(DOCKERFILE).toMatch(/^ARG BUN_IMAGE=oven\/bun:\d+\.\d+/m);
    expect(DOCKERFILE).toContain("bun install --frozen-lockfile --production");
    expect(DOCKERFILE).toMatch(/^USER bun$/m);
    expect(DOCKERFILE).toMatch(/^VOLUME \["\/app\/data"\]$/m);
    expect(DOCKERFILE).toMatch(/^EXPOSE 3000$/m);
    expect(DOCKERFILE).toMatch(/^CMD \["bun", "run", "src\/index.ts"\]$/m);
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim().replace(/\/$/, ""))
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(ignored).toContain(".env");
    const sources = [...DOCKERFILE.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap(
      (m) => m[1]?.split(" ") ?? [],
    );
    expect(sources).toEqual(
      expect.arrayContaining(["bun.lock", "src", "public", "drizzle", "tsconfig.json"]),
    );
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
      expect(ignored).not.toContain(source);
    }
  });
});
