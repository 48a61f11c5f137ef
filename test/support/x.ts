import { Agent } from "node:https";
import { join } from "node:path";
import type { Clock } from "../../src/clock";
import { createXStandIn, serveXStandIn, type XStandIn } from "../../src/sandbox/x";
import { createXGateway } from "../../src/x/client";
import type { XGateway, XTokens } from "../../src/x/gateway";

export const X_CLIENT_ID = "test-client-id";
export const X_CLIENT_SECRET = "test-client-secret";
export const X_REDIRECT_URI = "https://smstweet.test/auth/callback";

const certs = join(import.meta.dir, "certs");

export type XHarness = {
  standIn: XStandIn;
  /** The stand-in's https origin, i.e. X_API_URL. */
  url: string;
  gateway: XGateway;
  /** Trusts the test certificate; pass it to anything else that calls the stand-in. */
  agent: Agent;
  ca: string;
  stop(): Promise<void>;
};

/** The X stand-in over TLS on 127.0.0.1 and a real XGateway (twitter-api-v2) pointed at it. */
export async function startX(
  options: { timeoutMs?: number; mediaProcessingMs?: number; clock?: Clock } = {},
): Promise<XHarness> {
  const [cert, key] = await Promise.all([
    Bun.file(join(certs, "cert.pem")).text(),
    Bun.file(join(certs, "key.pem")).text(),
  ]);
  const standIn = createXStandIn({
    clientId: X_CLIENT_ID,
    clientSecret: X_CLIENT_SECRET,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const served = serveXStandIn(standIn, { tls: { cert, key } });
  const agent = new Agent({ ca: cert, keepAlive: true });
  const gateway = createXGateway({
    clientId: X_CLIENT_ID,
    clientSecret: X_CLIENT_SECRET,
    apiUrl: served.url,
    authorizeUrl: `${served.url}/i/oauth2/authorize`,
    httpAgent: agent,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.mediaProcessingMs === undefined ? {} : { mediaProcessingMs: options.mediaProcessingMs }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    standIn,
    url: served.url,
    gateway,
    agent,
    ca: cert,
    stop: async () => {
      agent.destroy();
      await served.stop();
    },
  };
}

/** Runs the whole consent + code exchange as `username` would in a browser; returns their tokens. */
export async function connectX(x: XHarness, username: string): Promise<XTokens> {
  const request = x.gateway.authorizationRequest(X_REDIRECT_URI);
  const callback = new URL(await x.standIn.approve(request.url, username));
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`consent did not return a code: ${callback}`);
  const outcome = await x.gateway.exchangeCode(code, request.codeVerifier, X_REDIRECT_URI);
  if (outcome.kind !== "ok") throw new Error(`code exchange failed: ${outcome.kind}`);
  return outcome.tokens;
}
