import type { Cipher } from "../../crypto/cipher";
import type { Logger } from "../../log";
import { maskPhone } from "../../log";
import type { JobHandler, JobResult } from "../../queue/types";
import type { XGateway } from "../../x/gateway";
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
      for (const token of [tokens.refreshToken, tokens.accessToken]) {
        const result = await deps.x.revoke(token);
        if (result.kind === "unavailable") return { kind: "retry", reason: `revoke: ${result.detail}` };
        if (result.kind === "rate_limited")
          return { kind: "retry", reason: "revoke: rate limited", at: result.retryAt };
        if (result.kind === "unreadable") return { kind: "fault", reason: `revoke: ${result.detail}` };
      }
      deps.logger.info("x.revoked", { phone: maskPhone(phone) });
      return { kind: "done", detail: "revoked" };
    },
    erasePayload: true,
  };
}
