/** What the rest of the app may ask of X. Implemented over twitter-api-v2 in `client.ts`. */

export type XTokens = {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token stops working. */
  expiresAt: number;
};

export type XUser = { id: string; username: string };

export type AuthorizationRequest = {
  /** Where to send the browser: X's consent page (or `X_AUTHORIZE_URL`). */
  url: string;
  state: string;
  codeVerifier: string;
};

/** Why X refused to publish; the texter is told in plain words. */
export type Refusal =
  | "duplicate"
  | "reply_not_allowed"
  | "suspended"
  | "policy"
  | "media"
  /** X could not process an animated GIF it took (processing_info.state "failed"). */
  | "processing"
  /** X counts the text as over its limit, though twitter-text said it fits. */
  | "too_long"
  /** 400 for no reason the texter can fix: X found our request malformed. */
  | "invalid"
  /** 404: the post (or reply target) is gone. */
  | "not_found"
  | "other";

/** Expected outcomes of one call to X. Anything else is a bug and throws. */
export type XOutcome<T> =
  | { kind: "ok"; value: T }
  /** 401: the access token was not accepted. */
  | { kind: "unauthorized" }
  /** 4xx that retrying cannot fix. */
  | { kind: "refused"; reason: Refusal; detail: string }
  /** 429: try again at `retryAt` (epoch ms, from `x-rate-limit-reset`). */
  | { kind: "rate_limited"; retryAt: number }
  /**
   * 5xx, timeout or network failure: try again later. `ambiguous`: the request may have reached X (a timeout
   * or a connection cut after sending), so what it asked for may have happened.
   */
  | { kind: "unavailable"; detail: string; ambiguous?: boolean }
  /**
   * X answered, but the answer cannot be read (an HTML page, `{}`, a redirect, an empty or non-JSON body):
   * the request may or may not have taken effect.
   */
  | { kind: "unreadable"; detail: string };

export type TokenType = "access_token" | "refresh_token";

/** A grant's tokens as X must be told to revoke them: the refresh token first, so no new pair is minted. */
export function revocations(tokens: Pick<XTokens, "accessToken" | "refreshToken">): [string, TokenType][] {
  return [
    [tokens.refreshToken, "refresh_token"],
    [tokens.accessToken, "access_token"],
  ];
}

/** Outcomes of the token endpoint (code exchange, refresh). */
export type TokenOutcome =
  | { kind: "ok"; tokens: XTokens }
  /** The code or refresh token is dead (used, revoked, expired): only a new consent helps. */
  | { kind: "invalid_grant"; detail: string }
  /** Outage, network failure, or an answer that cannot be read. */
  | { kind: "unavailable"; detail: string };

/** One of the user's posts, as the timeline lists it. */
export type RecentPost = {
  id: string;
  text: string;
  /** Epoch ms, whole seconds (X keeps no finer time). */
  createdAt: number;
  mediaCount: number;
};

export type PostRequest = {
  text: string;
  replyTo?: string;
  mediaIds?: readonly string[];
};

export interface XGateway {
  /** Builds the consent URL with PKCE (S256) and a fresh state. No I/O. */
  authorizationRequest(redirectUri: string): AuthorizationRequest;
  exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<TokenOutcome>;
  refresh(refreshToken: string): Promise<TokenOutcome>;
  /** Best effort: revokes the token at X, which looks it up only among tokens of `type`. */
  revoke(token: string, type: TokenType): Promise<XOutcome<null>>;
  me(accessToken: string): Promise<XOutcome<XUser>>;
  post(accessToken: string, request: PostRequest): Promise<XOutcome<{ id: string }>>;
  /** True when X deleted it; false when X answered `deleted: false` (it declined, the post stays up). */
  deletePost(accessToken: string, id: string): Promise<XOutcome<boolean>>;
  /** One post as X shows it now; null when X no longer has it (deleted, or never visible to this user). */
  getPost(accessToken: string, id: string): Promise<XOutcome<{ id: string; text: string } | null>>;
  /**
   * The user's latest posts, newest first, made at or after `since` (epoch ms, rounded down to the second:
   * X's `start_time` is second-granular) when given: finds a post whose creation answer was lost.
   */
  recentPosts(accessToken: string, userId: string, since?: number): Promise<XOutcome<RecentPost[]>>;
  uploadMedia(accessToken: string, bytes: Uint8Array, mimeType: string): Promise<XOutcome<string>>;
}

export const X_SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"] as const;
