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
import type { XGateway } from "../x/gateway";
import { sealTokens } from "../x/tokens";
import { consumeLinks } from "./links";
import { endOAuthSession, type OAuthSession } from "./oauth-sessions";

export type ConnectOutcome =
  | { kind: "connected"; handle: string }
  /** Another tab or a replayed callback already connected through this link. */
  | { kind: "link_used" }
  /** X refused the code (expired, replayed, wrong verifier). */
  | { kind: "refused" }
  | { kind: "unavailable" };

export type ConnectDeps = {
  db: Database;
  x: XGateway;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  redirectUri: string;
  wake: () => void;
};

/** Finishes OAuth: code → tokens → handle, then one transaction stores it all and queues "Connected". */
export async function connectAccount(
  deps: ConnectDeps,
  session: OAuthSession,
  code: string,
): Promise<ConnectOutcome> {
  const { db, x, clock, logger } = deps;
  const phone = session.link.phone;
  const exchange = await x.exchangeCode(code, session.codeVerifier, deps.redirectUri);
  if (exchange.kind === "invalid_grant") return { kind: "refused" };
  if (exchange.kind === "unavailable") return { kind: "unavailable" };
  const me = await x.me(exchange.tokens.accessToken);
  if (me.kind !== "ok")
    return me.kind === "unauthorized" || me.kind === "refused"
      ? { kind: "refused" }
      : { kind: "unavailable" };
  const sealed = await sealTokens(deps.cipher, phone, exchange.tokens);
  const now = clock.now();
  const connected = transact(db, (tx) => {
    if (!consumeLinks(tx, session.link, now)) return false;
    endOAuthSession(tx, session.stateHash);
    const before = getTexter(tx, phone);
    // Another X account through a link (FORGOT): it replaces the connection, the old grant is revoked.
    if (before?.refreshToken && before.xUserId !== me.value.id) disconnect(tx, phone, now);
    connectTexter(tx, phone, { ...sealed, xUserId: me.value.id, xHandle: me.value.username }, now);
    // Whoever connects through a link has proved both the phone and the X account: a PIN (and a freeze) ends.
    writeLock(tx, phone, { clear: true });
    enqueueText(tx, { phone, body: replies.connected(me.value.username) }, now);
    return true;
  });
  if (!connected) return { kind: "link_used" };
  deps.wake();
  logger.info("auth.connected", { phone: maskPhone(phone) });
  return { kind: "connected", handle: me.value.username };
}
