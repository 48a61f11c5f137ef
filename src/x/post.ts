import type { PostRequest, Refusal, XGateway } from "./gateway";
import type { TokenKeeper } from "./tokens";

export type PublishOutcome =
  | { kind: "posted"; id: string; handle: string }
  | { kind: "refused"; reason: Refusal; handle: string }
  /** No usable tokens (never connected, or the refresh token died): a new consent is needed. */
  | { kind: "disconnected" }
  /** Try again at `retryAt` (epoch ms) or, when null, after the usual backoff. */
  | { kind: "retry"; retryAt: number | null; detail: string };

/** Posts as the texter, refreshing the access token once if X rejects it. */
export async function publish(
  keeper: TokenKeeper,
  x: XGateway,
  phone: string,
  request: PostRequest,
): Promise<PublishOutcome> {
  let access = await keeper.access(phone);
  for (let attempt = 0; ; attempt++) {
    if (access.kind === "disconnected") return access;
    if (access.kind === "unavailable") return { kind: "retry", retryAt: null, detail: access.detail };
    const outcome = await x.post(access.accessToken, request);
    switch (outcome.kind) {
      case "ok":
        return { kind: "posted", id: outcome.value.id, handle: access.handle };
      case "refused":
        return { kind: "refused", reason: outcome.reason, handle: access.handle };
      case "rate_limited":
        return { kind: "retry", retryAt: outcome.retryAt, detail: "rate limited" };
      case "unavailable":
        return { kind: "retry", retryAt: null, detail: outcome.detail };
      case "unauthorized":
        // A fresh token that is still refused means X no longer honours this grant.
        if (attempt > 0) return { kind: "disconnected" };
        access = await keeper.afterRejection(phone, access.accessToken);
    }
  }
}
