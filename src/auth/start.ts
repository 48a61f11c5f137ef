import { type OriginVerdict, type RequestSource, verifyRequestOrigin } from "../http/origin";
import { maskPhone } from "../log";
import type { ConnectDeps } from "./connect";
import { findUsableLink } from "./links";
import { startOAuthSession } from "./oauth-sessions";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type LinkView = { kind: "usable"; maskedPhone: string } | { kind: "gone" };

export type StartOutcome =
  /** Not pressed on our own page: another site's form would tie the visitor's X account to a stranger's number. */
  | { kind: "refused"; reason: Extract<OriginVerdict, { ok: false }>["reason"] }
  | { kind: "gone" }
  /** Send the browser to X's consent page, with `state` bound to it by a cookie. */
  | { kind: "consent"; url: string; state: string };

/** What the link's page shows. A GET changes nothing: SMS apps fetch links to draw previews. */
export async function viewLink(deps: Pick<ConnectDeps, "db" | "clock">, token: string): Promise<LinkView> {
  const link = TOKEN.test(token) ? await findUsableLink(deps.db, token, deps.clock.now()) : undefined;
  return link ? { kind: "usable", maskedPhone: maskPhone(link.phone) } : { kind: "gone" };
}

/** The Connect button: starts OAuth 2.0 + PKCE for the link, if our own page pressed it. */
export async function startConnect(
  deps: ConnectDeps,
  token: string,
  source: RequestSource,
): Promise<StartOutcome> {
  const { db, cipher, clock } = deps;
  const verdict = verifyRequestOrigin(source, new URL(deps.redirectUri).origin);
  if (!verdict.ok) {
    deps.logger.info("auth.origin_refused", { reason: verdict.reason });
    return { kind: "refused", reason: verdict.reason };
  }
  const link = TOKEN.test(token) ? await findUsableLink(db, token, clock.now()) : undefined;
  if (!link) return { kind: "gone" };
  const attempt = deps.x.authorizationRequest(deps.redirectUri);
  await startOAuthSession(db, cipher, { linkId: link.id, ...attempt }, clock.now());
  return { kind: "consent", url: attempt.url, state: attempt.state };
}
