import type { Agent } from "node:https";
import { type IClientSettings, type SendTweetV2Params, TwitterApi } from "twitter-api-v2";
import { type Clock, systemClock } from "../clock";
import type { Measure } from "../ops/measure";
import { answerCheckPlugin } from "./answer-plugin";
import {
  type Read,
  readAnything,
  readDeleted,
  readMediaId,
  readPost,
  readPostId,
  readTimeline,
  readUser,
} from "./answers";
import { endpointPlugin } from "./endpoint-plugin";
import { type CallKind, toFailure, toTokenFailure, XGatewayError } from "./errors";
import { type PostRequest, type TokenOutcome, X_SCOPES, type XGateway, type XOutcome } from "./gateway";
import { measurePlugin } from "./measure-plugin";
import { uploadChunked } from "./media-upload";
import { timeoutPlugin } from "./timeout-plugin";

export { XGatewayError } from "./errors";

export type XGatewayOptions = {
  clientId: string;
  clientSecret: string;
  /** X_API_URL: where api.x.com's paths are served. */
  apiUrl: string;
  /** X_AUTHORIZE_URL: X's consent page. */
  authorizeUrl: string;
  /** Only needed for a private CA without NODE_EXTRA_CA_CERTS, e.g. in tests. */
  httpAgent?: Agent;
  timeoutMs?: number;
  /** How long an upload may wait for X to process a GIF (checking as often as X asks) before trying later. */
  mediaProcessingMs?: number;
  clock?: Clock;
  /** Told of every request to X, for /metrics. */
  measure?: Measure;
};

/** X processes a small GIF in seconds; a minute without an end is an X that is not keeping up. */
const MEDIA_PROCESSING_MS = 60_000;

type MediaIds = NonNullable<NonNullable<SendTweetV2Params["media"]>["media_ids"]>;
type TokenResult = { accessToken: string; refreshToken?: string; expiresIn: number };

/** XGateway over twitter-api-v2, pointed at `apiUrl` and bounded by `timeoutMs`. */
export function createXGateway(options: XGatewayOptions): XGateway {
  const clock = options.clock ?? systemClock;
  const mediaProcessingMs = options.mediaProcessingMs ?? MEDIA_PROCESSING_MS;
  const settings: Partial<IClientSettings> = {
    plugins: [
      ...(options.measure ? [measurePlugin(options.measure)] : []),
      endpointPlugin(options.apiUrl),
      timeoutPlugin(options.timeoutMs ?? 10_000),
      answerCheckPlugin(),
    ],
    ...(options.httpAgent ? { httpAgent: options.httpAgent } : {}),
  };
  const appClient = new TwitterApi(
    { clientId: options.clientId, clientSecret: options.clientSecret },
    settings,
  );
  const userClient = (accessToken: string): TwitterApi => new TwitterApi(accessToken, settings);

  /** Runs one library call and reads its answer; whatever X does, the result is an outcome. */
  const call = async <T>(
    work: () => Promise<unknown>,
    read: (answer: unknown) => Read<T>,
    kind: CallKind = "api",
  ): Promise<XOutcome<T>> => {
    let answer: unknown;
    try {
      answer = await work();
    } catch (error) {
      return toFailure(error, clock.now(), kind);
    }
    const value = read(answer);
    return value.ok ? { kind: "ok", value: value.value } : { kind: "unreadable", detail: value.detail };
  };

  const tokens = async (work: () => Promise<TokenResult>): Promise<TokenOutcome> => {
    let result: TokenResult;
    try {
      result = await work();
    } catch (error) {
      return toTokenFailure(error);
    }
    if (!Number.isFinite(result.expiresIn) || result.expiresIn <= 0 || result.accessToken === "") {
      return {
        kind: "unavailable",
        detail: "X answered a token without a usable access_token or expires_in",
      };
    }
    if (!result.refreshToken)
      throw new XGatewayError("X issued no refresh token: is offline.access in scope?");
    return {
      kind: "ok",
      tokens: {
        accessToken: result.accessToken,
        refreshToken: result.refreshToken,
        expiresAt: clock.now() + result.expiresIn * 1000,
      },
    };
  };

  return {
    authorizationRequest(redirectUri) {
      const link = appClient.generateOAuth2AuthLink(redirectUri, { scope: [...X_SCOPES] });
      return {
        url: onAuthorizePage(link.url, options.authorizeUrl),
        state: link.state,
        codeVerifier: link.codeVerifier,
      };
    },
    exchangeCode: (code, codeVerifier, redirectUri) =>
      tokens(() => appClient.loginWithOAuth2({ code, codeVerifier, redirectUri })),
    refresh: (refreshToken) => tokens(() => appClient.refreshOAuth2Token(refreshToken)),
    // twitter-api-v2 hints access_token unless told; X then leaves a refresh token live.
    revoke: (token, type) => call(() => appClient.revokeOAuth2Token(token, type), readAnything),
    me: (accessToken) => call(() => userClient(accessToken).v2.me(), readUser),
    post: async (accessToken, request) => {
      if ((request.mediaIds?.length ?? 0) > 4) {
        return { kind: "refused", reason: "media", detail: "X takes at most 4 media per post" };
      }
      return call(() => userClient(accessToken).v2.tweet(tweetPayload(request)), readPostId);
    },
    deletePost: (accessToken, id) => call(() => userClient(accessToken).v2.deleteTweet(id), readDeleted),
    getPost: async (accessToken, id) => {
      const outcome = await call(
        () => userClient(accessToken).v2.get("tweets/:id", {}, { params: { id } }),
        readPost,
      );
      return outcome.kind === "refused" && outcome.reason === "not_found"
        ? { kind: "ok", value: null }
        : outcome;
    },
    // The raw GET, not v2.userTimeline: its paginator turns an unreadable answer into an empty timeline,
    // which would read as "not posted" and post twice.
    recentPosts: (accessToken, userId, since) =>
      call(
        () =>
          userClient(accessToken).v2.get("users/:id/tweets", timelineQuery(since), {
            params: { id: userId },
          }),
        readTimeline,
      ),
    uploadMedia: (accessToken, bytes, mimeType) =>
      call(
        () => uploadChunked(userClient(accessToken).v2, bytes, mimeType, mediaProcessingMs),
        readMediaId,
        "media",
      ),
  };
}

/** Posts checked for a lost creation answer: the texter's latest, since the attempt began. */
const RECENT_POSTS = 10;

function timelineQuery(since: number | undefined): Record<string, string | number> {
  const query: Record<string, string | number> = {
    max_results: RECENT_POSTS,
    "tweet.fields": "created_at,attachments",
  };
  // X takes whole seconds; rounding down keeps a post made in the same second as `since`.
  if (since !== undefined)
    query.start_time = new Date(Math.floor(since / 1000) * 1000).toISOString().replace(".000Z", "Z");
  return query;
}

function tweetPayload(request: PostRequest): SendTweetV2Params {
  // Always sent, "" for a picture-only post: X's schema defaults `text` to "" because its backend rejects an
  // absent value (OpenAPI 2.167, CreatePostsRequest).
  const payload: SendTweetV2Params = { text: request.text };
  if (request.replyTo) payload.reply = { in_reply_to_tweet_id: request.replyTo };
  const mediaIds = mediaTuple(request.mediaIds ?? []);
  if (mediaIds) payload.media = { media_ids: mediaIds };
  return payload;
}

function mediaTuple(ids: readonly string[]): MediaIds | undefined {
  const [a, b, c, d] = ids;
  if (a === undefined) return undefined;
  if (b === undefined) return [a];
  if (c === undefined) return [a, b];
  if (d === undefined) return [a, b, c];
  return [a, b, c, d];
}

/** twitter-api-v2 builds links to https://x.com/i/oauth2/authorize; keep its query verbatim on ours. */
function onAuthorizePage(generated: string, authorizeUrl: string): string {
  const query = new URL(generated).search.slice(1);
  const target = new URL(authorizeUrl);
  target.search = target.search ? `${target.search.slice(1)}&${query}` : query;
  return target.toString();
}
