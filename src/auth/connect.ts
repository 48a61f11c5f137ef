import type { Clock } from "../clock";
import type { Cipher } from "../crypto/cipher";
import type { Database } from "../db/client";
import { enqueueText } from "../db/outbound";
import { connectTexter, getTexter } from "../db/texters";
import { transact } from "../db/transaction";
import { type Logger, maskPhone } from "../log";
import { disconnect } from "../sms/commands/account";
import { writeLock } from "../sms/commands/lock";
import { replies } from "../sms/replies";
import { XGatewayError } from "../x/errors";
import type { TokenOutcome, XGateway, XOutcome, XTokens, XUser } from "../x/gateway";
import { type SealedTokens, sealTokens } from "../x/tokens";
import { discardGrant } from "./discard-grant";
import { consumeLinks } from "./links";
import { endOAuthSession, type OAuthSession } from "./oauth-sessions";

/** Why a callback connected nothing. */
export type ConnectFailure =
  /** The link was used up meanwhile: another browser on it connected, a newer link replaced it, or it was erased. */
  | "link_used"
  /** This sign-in ended meanwhile (ran out, finished by a second callback of the same browser, or erased). */
  | "session_gone"
  /** X refused the code or the new token (expired, replayed, wrong verifier). */
  | "x_refused"
  /** X failed: 5xx, 429, a timeout, or an answer that cannot be read. */
  | "x_unavailable"
  /** Our database failed while storing the connection. */
  | "not_saved";

export type ConnectOutcome =
  | { kind: "connected"; handle: string }
  /** `detail`: X's status and words, or the error, for the callback's one log line. */
  | { kind: "failed"; cause: ConnectFailure; detail?: string };

export type ConnectDeps = {
  db: Database;
  x: XGateway;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  redirectUri: string;
  wake: () => void;
};

const failed = (cause: ConnectFailure, detail?: string): ConnectOutcome =>
  detail === undefined ? { kind: "failed", cause } : { kind: "failed", cause, detail };

/**
 * Finishes OAuth: code → tokens → handle, then one transaction stores it all and queues "Connected".
 * A grant X issued that is not kept, whatever the reason, is revoked at X.
 */
export async function connectAccount(
  deps: ConnectDeps,
  session: OAuthSession,
  code: string,
): Promise<ConnectOutcome> {
  const phone = session.link.phone;
  // Another browser on the same link connected first: asking X for tokens now would only make a grant
  // to throw away.
  if (session.link.usedAt !== null) return failed("link_used");
  const exchange = await exchangeCode(deps, session, code);
  if (exchange.kind === "invalid_grant") return failed("x_refused", `token exchange: ${exchange.detail}`);
  if (exchange.kind === "unavailable") return failed("x_unavailable", `token exchange: ${exchange.detail}`);
  let outcome: ConnectOutcome;
  try {
    outcome = await keepGrant(deps, session, exchange.tokens);
  } catch (error) {
    await discardGrant(deps, phone, exchange.tokens, "fault");
    throw error;
  }
  if (outcome.kind === "failed") await discardGrant(deps, phone, exchange.tokens, outcome.cause);
  return outcome;
}

async function keepGrant(deps: ConnectDeps, session: OAuthSession, tokens: XTokens): Promise<ConnectOutcome> {
  const { logger } = deps;
  const phone = session.link.phone;
  const me = await whoIs(deps.x, tokens.accessToken);
  if (me.kind !== "ok") {
    const detail = `users/me: ${"detail" in me ? me.detail : me.kind}`;
    return failed(
      me.kind === "unauthorized" || me.kind === "refused" ? "x_refused" : "x_unavailable",
      detail,
    );
  }
  let stored: "connected" | "link_used" | "session_gone";
  try {
    const sealed = await sealTokens(deps.cipher, phone, tokens);
    stored = await store(deps, session, me.value, sealed);
  } catch (error) {
    return failed("not_saved", String(error));
  }
  if (stored !== "connected") return failed(stored);
  deps.wake();
  logger.info("auth.connected", { phone: maskPhone(phone) });
  return { kind: "connected", handle: me.value.username };
}

function store(
  deps: ConnectDeps,
  session: OAuthSession,
  user: XUser,
  sealed: SealedTokens,
): Promise<"connected" | "link_used" | "session_gone"> {
  const phone = session.link.phone;
  const now = deps.clock.now();
  return transact(deps.db, async (tx) => {
    if (!(await endOAuthSession(tx, session.stateHash, now))) return "session_gone";
    if (!(await consumeLinks(tx, session.link, now))) return "link_used";
    const before = await getTexter(tx, phone);
    // Another X account through a link (FORGOT): it replaces the connection, the old grant is revoked.
    if (before?.refreshToken && before.xUserId !== user.id) await disconnect(tx, phone, now);
    await connectTexter(tx, phone, { ...sealed, xUserId: user.id, xHandle: user.username }, now);
    // Whoever connects through a link has proved both the phone and the X account: a PIN (and a freeze) ends.
    await writeLock(tx, phone, { clear: true });
    await enqueueText(tx, { phone, body: replies.connected(user.username) }, now);
    return "connected";
  });
}

/**
 * The gateway throws on answers it has no outcome for (an unexpected status, a token without a refresh
 * token): at the callback they are X failing, and the texter gets a page that says what to do.
 */
async function exchangeCode(deps: ConnectDeps, session: OAuthSession, code: string): Promise<TokenOutcome> {
  try {
    return await deps.x.exchangeCode(code, session.codeVerifier, deps.redirectUri);
  } catch (error) {
    if (!(error instanceof XGatewayError)) throw error;
    return { kind: "unavailable", detail: describe(error) };
  }
}

async function whoIs(x: XGateway, accessToken: string): Promise<XOutcome<XUser>> {
  try {
    return await x.me(accessToken);
  } catch (error) {
    if (!(error instanceof XGatewayError)) throw error;
    return { kind: "unreadable", detail: describe(error) };
  }
}

function describe(error: XGatewayError): string {
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
