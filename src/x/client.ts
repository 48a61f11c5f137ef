import type { Agent } from "node:https";
import { type IClientSettings, type SendTweetV2Params, TwitterApi } from "twitter-api-v2";
import { type Clock, systemClock } from "../clock";
import { endpointPlugin } from "./endpoint-plugin";
import { type CallKind, toFailure, toTokenFailure, XGatewayError } from "./errors";
import { type PostRequest, type TokenOutcome, X_SCOPES, type XGateway, type XOutcome } from "./gateway";
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
  clock?: Clock;
};

type MediaIds = NonNullable<NonNullable<SendTweetV2Params["media"]>["media_ids"]>;
type TokenResult = { accessToken: string; refreshToken?: string; expiresIn: number };

/** XGateway over twitter-api-v2, pointed at `apiUrl` and bounded by `timeoutMs`. */
export function createXGateway(options: XGatewayOptions): XGateway {
  const clock = options.clock ?? systemClock;
  const settings: Partial<IClientSettings> = {
    plugins: [endpointPlugin(options.apiUrl), timeoutPlugin(options.timeoutMs ?? 10_000)],
    ...(options.httpAgent ? { httpAgent: options.httpAgent } : {}),
  };
  const appClient = new TwitterApi(
    { clientId: options.clientId, clientSecret: options.clientSecret },
    settings,
  );
  const userClient = (accessToken: string): TwitterApi => new TwitterApi(accessToken, settings);

  const call = async <T>(work: () => Promise<T>, kind: CallKind = "api"): Promise<XOutcome<T>> => {
    try {
      return { kind: "ok", value: await work() };
    } catch (error) {
      return toFailure(error, clock.now(), kind);
    }
  };

  const tokens = async (work: () => Promise<TokenResult>): Promise<TokenOutcome> => {
    let result: TokenResult;
    try {
      result = await work();
    } catch (error) {
      return toTokenFailure(error);
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
    revoke: (token) =>
      call(async () => {
        await appClient.revokeOAuth2Token(token);
        return null;
      }),
    me: (accessToken) =>
      call(async () => {
        const { data } = await userClient(accessToken).v2.me();
        return { id: data.id, username: data.username };
      }),
    post: async (accessToken, request) => {
      if ((request.mediaIds?.length ?? 0) > 4) {
        return { kind: "refused", reason: "media", detail: "X takes at most 4 media per post" };
      }
      return call(async () => {
        const { data } = await userClient(accessToken).v2.tweet(tweetPayload(request));
        return { id: data.id };
      });
    },
    deletePost: (accessToken, id) =>
      call(async () => {
        const { data } = await userClient(accessToken).v2.deleteTweet(id);
        if (!data.deleted) throw new XGatewayError("X answered deleted: false");
        return null;
      }),
    recentPosts: (accessToken, userId) =>
      call(async () => {
        const timeline = await userClient(accessToken).v2.userTimeline(userId, { max_results: 10 });
        return timeline.tweets.map((tweet) => ({ id: tweet.id, text: tweet.text }));
      }),
    uploadMedia: (accessToken, bytes, mimeType) =>
      call(
        () =>
          userClient(accessToken).v2.uploadMedia(Buffer.from(bytes), { media_type: mimeType as MimeType }),
        "media",
      ),
  };
}

/** The library narrows media_type to its own enum; X is the judge of what it accepts. */
type MimeType = Parameters<TwitterApi["v2"]["uploadMedia"]>[1]["media_type"];

function tweetPayload(request: PostRequest): SendTweetV2Params {
  const payload: SendTweetV2Params = {};
  // A media-only post must omit `text`: X rejects an empty string.
  if (request.text !== "") payload.text = request.text;
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
