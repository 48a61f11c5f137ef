/** The shapes a test (or the sandbox UI) sees when it inspects the X stand-in. */

import type { ContractViolation } from "../contract/violations";
import type { RawBody } from "../raw-body";

export type { RawBody } from "../raw-body";

export type StoredUser = { id: string; username: string; name: string };

export type StoredPost = {
  id: string;
  authorId: string;
  username: string;
  text: string;
  replyTo: string | null;
  mediaIds: string[];
  createdAt: number;
  deleted: boolean;
};

export type StoredMedia = {
  id: string;
  ownerId: string;
  mimeType: string;
  bytes: Uint8Array;
  finalized: boolean;
};

export type FaultRoute =
  | "token"
  | "revoke"
  | "users_me"
  | "tweets"
  | "delete_tweet"
  /** GET /2/tweets/:id */
  | "tweet"
  /** GET /2/users/:id/tweets */
  | "timeline"
  | "media";

export type FaultResponse = {
  /** Left out (with `afterHandling`): X's own answer, only held back by `delayMs`. */
  status?: number;
  /** Sent as JSON. Without `body` or `raw`: X's problem document, or nothing for a 204 or a 3xx. */
  body?: unknown;
  /** Sent verbatim instead of `body`: an HTML page, `OK`, an empty body (`{ body: "" }`). */
  raw?: RawBody;
  /** E.g. `location` for a redirect; set on top of the body's own content-type. */
  headers?: Record<string, string>;
  /** Handle the request for real first, then answer with the fault: "X did it, but the answer was lost". */
  afterHandling?: boolean;
  /** Hold the answer this long (after handling, with `afterHandling`): a request in flight when the caller dies. */
  delayMs?: number;
  /** Hold the answer until this settles (after `delayMs`): lets a test line up two requests in a known order. */
  holdUntil?: Promise<unknown>;
  /**
   * Without `status`: X's own answer with its JSON body changed by this, still held to X's schema (unlike a
   * fault): shows that an answer the real X could not give is caught.
   */
  rewrite?: (body: unknown) => unknown;
};

export type RequestLogEntry = { method: string; path: string };

/** How X processes animated GIFs and videos (`media_category` tweet_gif, tweet_video): after FINALIZE. */
export type MediaProcessing = {
  /** How long processing takes from FINALIZE; Infinity: it never ends. */
  seconds: number;
  /** X's `check_after_secs`: how long FINALIZE and STATUS tell the client to wait before polling. */
  checkAfterSecs: number;
  /** How it ends: `failed` is X's answer for a GIF it cannot process. */
  result: "succeeded" | "failed";
};

export interface XStandIn {
  /** A fetch handler answering on X's own paths (`/2/tweets`, `/i/oauth2/authorize`, ...). */
  handle(request: Request): Promise<Response>;
  posts(): StoredPost[];
  users(): StoredUser[];
  media(): StoredMedia[];
  readonly requests: RequestLogEntry[];
  /** Consents as `username` (created if new); returns X's redirect `redirect_uri?code=...&state=...`. */
  approve(authorizeUrl: string, username: string): Promise<string>;
  /** Declines consent; returns `redirect_uri?error=access_denied&state=...`. */
  deny(authorizeUrl: string): string;
  /** Every access and refresh token ever issued to the user, e.g. to prove none is stored in plain text. */
  issuedTokens(username: string): string[];
  /** The user's tokens X would still accept: not revoked, rotated or expired. */
  liveTokens(username: string): string[];
  failNext(route: FaultRoute, response: FaultResponse, times?: number): void;
  /** Lets the next `times` requests on `route` through before any fault queued after this call. */
  passNext(route: FaultRoute, times: number): void;
  expireAccessTokens(username?: string): void;
  /** Kills every access and refresh token of the user, as if they revoked the app at X. */
  revokeTokens(username: string): void;
  setAccessTokenLifetime(seconds: number): void;
  /** Changes how the next uploads of GIFs and videos are processed (by default: succeeded after 1 s). */
  setMediaProcessing(settings: Partial<MediaProcessing>): void;
  /** Latency added to every API request. */
  delayMs: number;
  /**
   * Requests and answers that broke X's OpenAPI document since the last call: a test that provokes one on
   * purpose takes it (test support fails any test that leaves one behind).
   */
  takeViolations(): ContractViolation[];
}
