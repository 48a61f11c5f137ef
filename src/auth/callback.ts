import { timingSafeEqual } from "node:crypto";
import { maskPhone } from "../log";
import { type ConnectDeps, type ConnectFailure, connectAccount } from "./connect";
import { linkUsableUntil } from "./links";
import { findOAuthSession, type OAuthSession } from "./oauth-sessions";

/** What X's redirect brought back, and the state cookie this browser carries. */
export type CallbackRequest = {
  state: string | undefined;
  cookie: string | null;
  code: string | undefined;
  error: string | undefined;
};

/** The texter's link, when it can still be opened to try again: until `until` (epoch ms). */
export type Retry = { phone: string; until: number } | null;

export type CallbackFailure =
  | Exclude<ConnectFailure, "session_gone">
  /** X refused to start the consent for a reason only the operator can fix (scope, client id). */
  | "x_misconfigured";

export type CallbackOutcome =
  | { kind: "connected"; handle: string }
  /** No live sign-in for this state in this browser: forged, replayed, finished, or started elsewhere. */
  | { kind: "wrong_browser" }
  /** The texter said no on X's consent page. */
  | { kind: "cancelled"; retry: Retry }
  | { kind: "failed"; cause: CallbackFailure; retry: Retry };

/** RFC 6749 section 4.1.2.1: the errors that mean X itself is in trouble, not our request. */
const X_IN_TROUBLE = new Set(["server_error", "temporarily_unavailable"]);

/** Checks `state` against this browser's cookie, then connects the account or says why not. */
export async function finishConnect(deps: ConnectDeps, request: CallbackRequest): Promise<CallbackOutcome> {
  const { db, cipher, clock } = deps;
  const state = request.state ?? "";
  const session = sameSecret(state, request.cookie ?? "")
    ? await findOAuthSession(db, cipher, state, clock.now())
    : null;
  if (!session) return { kind: "wrong_browser" };
  if (request.error !== undefined) return refusedAtX(deps, session, request.error);
  if (!request.code) return { kind: "wrong_browser" };
  const outcome = await connectAccount(deps, session, request.code);
  if (outcome.kind === "connected") return outcome;
  if (outcome.cause === "session_gone") return { kind: "wrong_browser" };
  return { kind: "failed", cause: outcome.cause, retry: retryOf(deps, session) };
}

function refusedAtX(deps: ConnectDeps, session: OAuthSession, error: string): CallbackOutcome {
  const retry = retryOf(deps, session);
  if (error === "access_denied") return { kind: "cancelled", retry };
  if (X_IN_TROUBLE.has(error)) return { kind: "failed", cause: "x_unavailable", retry };
  // invalid_scope, unauthorized_client, invalid_request...: the X app's settings, which the operator owns.
  deps.logger.error("auth.x_refused_consent", {
    phone: maskPhone(session.link.phone),
    error: /^[a-z_]{1,40}$/.test(error) ? error : "(unrecognised)",
  });
  return { kind: "failed", cause: "x_misconfigured", retry };
}

function retryOf(deps: ConnectDeps, session: OAuthSession): Retry {
  const until = linkUsableUntil(deps.db, session.link.id, deps.clock.now());
  return until === null ? null : { phone: session.link.phone, until };
}

function sameSecret(a: string, b: string): boolean {
  const [left, right] = [Buffer.from(a), Buffer.from(b)];
  // Compared as bytes: "é" and "e" are one character each but not one byte each.
  if (left.length === 0 || left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
