import type { Cipher } from "../../crypto/cipher";
import type { Logger } from "../../log";
import { maskPhone } from "../../log";
import type { JobHandler, JobResult } from "../../queue/types";
import { revocations, type XGateway } from "../../x/gateway";
import { openTokens } from "../../x/tokens";

export const REVOKE_JOB = "revoke";

/** The tokens as they were stored (sealed) when the texter logged out or erased their number. */
export type RevokePayload = { phone: string; accessToken: string; refreshToken: string };

/**
 * Revokes a forgotten grant at X, in the background: the texter was answered already. X answering
 * anything final (revoked, or unknown token) ends it; an outage backs off and gives up after the hour.
 */
export function revokeJob(deps: { x: XGateway; cipher: Cipher; logger: Logger }): JobHandler<RevokePayload> {
  return {
    async run(job): Promise<JobResult> {
      const { phone } = job.payload;
      const tokens = await openTokens(deps.cipher, phone, job.payload);
      // Sealed under a key this process no longer has: nothing can be revoked, X's grant lapses on its own.
      if (tokens === null) return { kind: "done", detail: "undecryptable" };
      for (const [token, type] of revocations(tokens)) {
        const result = await deps.x.revoke(token, type);
        if (result.kind === "unavailable") return { kind: "retry", reason: `revoke: ${result.detail}` };
        if (result.kind === "rate_limited")
          return { kind: "retry", reason: "revoke: rate limited", at: result.retryAt };
        if (result.kind === "unreadable") return { kind: "fault", reason: `revoke: ${result.detail}` };
        // Final, and not retried; but a refusal may leave the grant live at X, so the operator hears of it.
        if (result.kind === "refused")
          deps.logger.warn("x.revoke_refused", { phone: maskPhone(phone), type, detail: result.detail });
      }
      deps.logger.info("x.revoked", { phone: maskPhone(phone) });
      return { kind: "done", detail: "revoked" };
    },
    erasePayload: true,
  };
}
