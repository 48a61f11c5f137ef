import type { Refusal, XOutcome } from "./gateway";
import type { TokenKeeper } from "./tokens";

export type Account = { handle: string; userId: string };

export type TexterCall<T> =
  | { kind: "ok"; value: T; account: Account }
  /** `detail`: X's status and words, for the log. */
  | { kind: "refused"; reason: Refusal; detail: string; account: Account }
  /** No usable tokens (never connected, or the refresh token died): a new consent is needed. */
  | { kind: "disconnected" }
  /** Try again at `retryAt` (epoch ms) or, when null, after the usual backoff. */
  | { kind: "retry"; retryAt: number | null; detail: string; ambiguous?: boolean }
  /** X answered something unreadable: the call may or may not have taken effect. */
  | { kind: "unreadable"; detail: string };

/**
 * Runs `work` with the texter's access token, refreshing it once if X rejects it.
 * `work` may make several calls (uploads, then the post); the first failure is its answer.
 */
export async function asTexter<T>(
  keeper: TokenKeeper,
  phone: string,
  work: (accessToken: string, account: Account) => Promise<XOutcome<T>>,
): Promise<TexterCall<T>> {
  let access = await keeper.access(phone);
  for (let attempt = 0; ; attempt++) {
    if (access.kind === "disconnected") return access;
    if (access.kind === "unavailable") return { kind: "retry", retryAt: null, detail: access.detail };
    const account = { handle: access.handle, userId: access.userId };
    const outcome = await work(access.accessToken, account);
    switch (outcome.kind) {
      case "ok":
        return { kind: "ok", value: outcome.value, account };
      case "refused":
        return { kind: "refused", reason: outcome.reason, detail: outcome.detail, account };
      case "rate_limited":
        return {
          kind: "retry",
          retryAt: outcome.retryAt,
          detail: `HTTP 429: rate limited until ${new Date(outcome.retryAt).toISOString()}`,
        };
      case "unavailable":
        return {
          kind: "retry",
          retryAt: null,
          detail: outcome.detail,
          ambiguous: outcome.ambiguous === true,
        };
      case "unreadable":
        return { kind: "unreadable", detail: outcome.detail };
      case "unauthorized":
        // A fresh token that is still refused means X no longer honours this grant.
        if (attempt > 0) return { kind: "disconnected" };
        access = await keeper.afterRejection(phone, access.accessToken);
    }
  }
}
