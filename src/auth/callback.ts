import { timingSafeEqual } from "node:crypto";
import { type Logger, maskPhone } from "../log";
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

/**
 * Checks `state` against this browser's cookie, then connects the account or says why not. Every way a
 * callback fails is logged here, once, with X's status or error when X said something.
 */
export async function finishConnect(deps: ConnectDeps, request: CallbackRequest): Promise<CallbackOutcome> {
  const outcome = await settle(deps, request);
  if (outcome.kind !== "connected") logFailure(deps.logger, outcome.outcome, outcome.logged);
  return outcome.kind === "connected" ? outcome : outcome.outcome;
}

type Logged = { phone?: string; cause: string; detail?: string };
type Settled =
  | Extract<CallbackOutcome, { kind: "connected" }>
  | { kind: "not_connected"; outcome: Exclude<CallbackOutcome, { kind: "connected" }>; logged: Logged };

function logFailure(logger: Logger, outcome: CallbackOutcome, logged: Logged): void {
  const fields = {
    ...(logged.phone ? { phone: maskPhone(logged.phone) } : {}),
    cause: logged.cause,
    ...(logged.detail ? { detail: logged.detail } : {}),
  };
  if (outcome.kind === "cancelled") logger.info("auth.consent_declined", fields);
  // The X app's settings or our own storage: only the operator can fix these.
  else if (logged.cause === "x_misconfigured" || logged.cause === "not_saved")
    logger.error("auth.callback_failed", fields);
  else logger.warn("auth.callback_failed", fields);
}

async function settle(deps: ConnectDeps, request: CallbackRequest): Promise<Settled> {
  const { db, cipher, clock } = deps;
  const state = request.state ?? "";
  const session = sameSecret(state, request.cookie ?? "")
    ? await findOAuthSession(db, cipher, state, clock.now())
    : null;
  const wrongBrowser = (cause: string, phone?: string): Settled => ({
    kind: "not_connected",
    outcome: { kind: "wrong_browser" },
    logged: phone ? { phone, cause } : { cause },
  });
  // No cookie, another browser's state, a replay, or a sign-in that ran out: nothing to tie it to a phone.
  if (!session) return wrongBrowser(request.cookie ? "no_session_for_state" : "no_state_cookie");
  const phone = session.link.phone;
  if (request.error !== undefined) return refusedAtX(deps, session, request.error);
  if (!request.code) return wrongBrowser("no_code", phone);
  const outcome = await connectAccount(deps, session, request.code);
  if (outcome.kind === "connected") return outcome;
  if (outcome.cause === "session_gone") return wrongBrowser("session_gone", phone);
  const failed = { kind: "failed", cause: outcome.cause, retry: await retryOf(deps, session) } as const;
  const logged = { phone, cause: outcome.cause, ...(outcome.detail ? { detail: outcome.detail } : {}) };
  return { kind: "not_connected", outcome: failed, logged };
}

async function refusedAtX(deps: ConnectDeps, session: OAuthSession, error: string): Promise<Settled> {
  const retry = await retryOf(deps, session);
  // X's error code (RFC 6749), never free text from the query string.
  const detail = `X said ${/^[a-z_]{1,40}$/.test(error) ? error : "(unrecognised)"}`;
  const phone = session.link.phone;
  const not = (outcome: Exclude<CallbackOutcome, { kind: "connected" }>, cause: string): Settled => ({
    kind: "not_connected",
    outcome,
    logged: { phone, cause, detail },
  });
  if (error === "access_denied") return not({ kind: "cancelled", retry }, "access_denied");
  if (X_IN_TROUBLE.has(error)) return not({ kind: "failed", cause: "x_unavailable", retry }, "x_unavailable");
  // invalid_scope, unauthorized_client, invalid_request...: the X app's settings, which the operator owns.
  return not({ kind: "failed", cause: "x_misconfigured", retry }, "x_misconfigured");
}

async function retryOf(deps: ConnectDeps, session: OAuthSession): Promise<Retry> {
  const until = await linkUsableUntil(deps.db, session.link.id, deps.clock.now());
  return until === null ? null : { phone: session.link.phone, until };
}

function sameSecret(a: string, b: string): boolean {
  const [left, right] = [Buffer.from(a), Buffer.from(b)];
  // Compared as bytes: "é" and "e" are one character each but not one byte each.
  if (left.length === 0 || left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
