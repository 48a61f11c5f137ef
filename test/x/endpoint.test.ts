import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { createXStandIn } from "../../src/sandbox/x";
import { createXGateway } from "../../src/x/client";
import { connectX, startX, X_CLIENT_ID, X_CLIENT_SECRET, X_REDIRECT_URI, type XHarness } from "../support/x";

/** The untrusted-certificate check is meaningless when NODE_EXTRA_CA_CERTS already holds the test CA. */
async function environmentTrustsTestCa(): Promise<boolean> {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (!extra || !(await Bun.file(extra).exists())) return false;
  const testCa = (await Bun.file(join(import.meta.dir, "../support/certs/cert.pem")).text()).trim();
  return (await Bun.file(extra).text()).includes(testCa);
}

const trustsTestCa = await environmentTrustsTestCa();

let x: XHarness;
beforeAll(async () => {
  x = await startX({ timeoutMs: 300 });
});
afterAll(() => x.stop());

describe("endpoint override", () => {
  it("should send every call to X_API_URL on X's own paths", async () => {
    const before = x.standIn.requests.length;
    const tokens = await connectX(x, "alice");
    await x.gateway.me(tokens.accessToken);
    await x.gateway.post(tokens.accessToken, { text: "routed" });
    expect(x.standIn.requests.slice(before)).toEqual([
      { method: "POST", path: "/2/oauth2/token" },
      { method: "GET", path: "/2/users/me" },
      { method: "POST", path: "/2/tweets" },
    ]);
  });

  it("should keep a path prefix and speak plain http when X_API_URL says so", async () => {
    const standIn = createXStandIn({ clientId: X_CLIENT_ID, clientSecret: X_CLIENT_SECRET });
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) =>
        new URL(request.url).pathname.startsWith("/sandbox/x/")
          ? standIn.handle(request)
          : new Response("wrong path", { status: 404 }),
    });
    try {
      const base = `http://127.0.0.1:${server.port}/sandbox/x`;
      const gateway = createXGateway({
        clientId: X_CLIENT_ID,
        clientSecret: X_CLIENT_SECRET,
        apiUrl: base,
        authorizeUrl: `${base}/i/oauth2/authorize`,
      });
      const request = gateway.authorizationRequest(X_REDIRECT_URI);
      expect(request.url.startsWith(`${base}/i/oauth2/authorize?`)).toBe(true);
      const code = new URL(await standIn.approve(request.url, "sandboxer")).searchParams.get("code") ?? "";
      const outcome = await gateway.exchangeCode(code, request.codeVerifier, X_REDIRECT_URI);
      if (outcome.kind !== "ok") throw new Error(`exchange failed: ${outcome.kind}`);
      expect(await gateway.me(outcome.tokens.accessToken)).toMatchObject({
        kind: "ok",
        value: { username: "sandboxer" },
      });
    } finally {
      await server.stop(true);
    }
  });
});

describe("timeouts and network failures", () => {
  it("should give up on a stalled X after timeoutMs and report unavailable", async () => {
    const tokens = await connectX(x, "bob");
    x.standIn.delayMs = 2000;
    try {
      const started = Date.now();
      const outcome = await x.gateway.post(tokens.accessToken, { text: "slow" });
      expect(outcome).toMatchObject({ kind: "unavailable" });
      expect(Date.now() - started).toBeLessThan(1500);
      const refreshed = await x.gateway.refresh(tokens.refreshToken);
      expect(refreshed.kind).toBe("unavailable");
    } finally {
      x.standIn.delayMs = 0;
    }
  });

  it("should report a refused connection as unavailable", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    await closed.stop(true);
    const gateway = createXGateway({
      clientId: X_CLIENT_ID,
      clientSecret: X_CLIENT_SECRET,
      apiUrl: `https://127.0.0.1:${port}`,
      authorizeUrl: "https://x.com/i/oauth2/authorize",
      httpAgent: x.agent,
    });
    expect(await gateway.me("any-token")).toMatchObject({ kind: "unavailable" });
    expect(await gateway.refresh("any-token")).toMatchObject({ kind: "unavailable" });
  });

  it.skipIf(trustsTestCa)("should refuse a server whose certificate is not trusted", async () => {
    const gateway = createXGateway({
      clientId: X_CLIENT_ID,
      clientSecret: X_CLIENT_SECRET,
      apiUrl: x.url,
      authorizeUrl: `${x.url}/i/oauth2/authorize`,
    });
    const before = x.standIn.requests.length;
    expect(await gateway.me("any-token")).toMatchObject({ kind: "unavailable" });
    expect(x.standIn.requests.length).toBe(before);
  });
});
