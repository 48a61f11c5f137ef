import type { Clock } from "../clock";
import type { Cipher } from "../crypto/cipher";
import type { Database } from "../db/client";
import { addJob } from "../db/jobs";
import { transact } from "../db/transaction";
import { type Logger, maskPhone } from "../log";
import { REVOKE_JOB, type RevokePayload } from "../sms/commands/revoke";
import { revocations, type TokenType, type XGateway, type XOutcome, type XTokens } from "../x/gateway";
import { sealTokens } from "../x/tokens";

export type DiscardDeps = {
  db: Database;
  x: XGateway;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  wake: () => void;
};

/**
 * Withdraws a grant X issued that we will not keep (the link was used up meanwhile, X failed after the
 * code exchange, or it could not be stored): left alone it would stay live at X, listed among the
 * texter's connected apps, and work for whoever held a copy. It goes the way LOGOUT's tokens go, as a
 * `revoke` job (retried through X's outages, its give-up logged); when the database cannot take even
 * that, it is revoked at once, and logged for the operator if X refuses that too.
 */
export async function discardGrant(
  deps: DiscardDeps,
  phone: string,
  tokens: XTokens,
  reason: string,
): Promise<void> {
  const { logger } = deps;
  const fields = { phone: maskPhone(phone), reason };
  try {
    const sealed = await sealTokens(deps.cipher, phone, tokens);
    const payload: RevokePayload = {
      phone,
      accessToken: sealed.accessToken,
      refreshToken: sealed.refreshToken,
    };
    await transact(deps.db, (tx) => addJob(tx, { kind: REVOKE_JOB, lane: null, payload }, deps.clock.now()));
    deps.wake();
    logger.info("auth.grant_discarded", fields);
    return;
  } catch (error) {
    logger.warn("auth.revoke_not_queued", { ...fields, error: String(error) });
  }
  for (const [token, type] of revocations(tokens)) {
    const outcome = await revokeOnce(deps.x, token, type);
    if (outcome.kind !== "ok") {
      logger.error("auth.grant_not_revoked", { ...fields, outcome: outcome.kind, detail: detailOf(outcome) });
      return;
    }
  }
  logger.info("auth.grant_revoked", fields);
}

/** Whatever X does, an outcome: this runs on a failure path already and must not throw from it. */
async function revokeOnce(x: XGateway, token: string, type: TokenType): Promise<XOutcome<null>> {
  try {
    return await x.revoke(token, type);
  } catch (error) {
    return { kind: "unreadable", detail: String(error) };
  }
}

function detailOf(outcome: Exclude<XOutcome<null>, { kind: "ok" }>): string {
  return "detail" in outcome ? outcome.detail : outcome.kind;
}
