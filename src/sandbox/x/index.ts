import { type Clock, systemClock } from "../../clock";
import { ViolationLog } from "../contract/violations";
import { decide } from "./consent";
import { contractGuard } from "./contract-guard";
import { route } from "./router";
import { createState } from "./state";
import type { RequestLogEntry, XStandIn } from "./types";

export { serveXStandIn } from "./serve";
export type {
  FaultResponse,
  FaultRoute,
  MediaProcessing,
  RawBody,
  RequestLogEntry,
  StoredMedia,
  StoredPost,
  StoredUser,
  XStandIn,
} from "./types";

export type XStandInOptions = {
  clientId: string;
  clientSecret: string;
  clock?: Clock;
  /** Check requests and answers against X's OpenAPI document (default on; benchmarks may turn it off). */
  validate?: boolean;
};

/** An in-memory X: OAuth 2.0 with PKCE and rotating refresh tokens, posts, media, and injectable faults. */
export function createXStandIn(options: XStandInOptions): XStandIn {
  const clock = options.clock ?? systemClock;
  const state = createState(options.clientId, options.clientSecret, () => clock.now());
  const requests: RequestLogEntry[] = [];
  const violations = new ViolationLog();
  const guard = contractGuard(options.validate ?? true, violations);
  const userIdOf = (username: string): string => {
    const user = state.users.byUsername(username);
    if (!user) throw new Error(`No such user at the X stand-in: ${username}`);
    return user.id;
  };
  const consent = (authorizeUrl: string, decision: Parameters<typeof decide>[2]): string => {
    const result = decide(state, new URL(authorizeUrl).searchParams, decision);
    if (!result.ok) throw new Error(`The X stand-in refused the authorize request: ${result.error}`);
    return result.value;
  };

  const standIn: XStandIn = {
    delayMs: 0,
    requests,
    handle: (request) => route(state, request, { log: requests, delayMs: () => standIn.delayMs, guard }),
    takeViolations: () => violations.take(),
    posts: () => state.posts.all(),
    users: () => state.users.all(),
    media: () => state.media.all(),
    approve: async (authorizeUrl, username) => consent(authorizeUrl, { allow: true, username }),
    deny: (authorizeUrl) => consent(authorizeUrl, { allow: false }),
    issuedTokens: (username) => {
      const user = state.users.byUsername(username);
      return user ? state.tokens.issuedTo(user.id) : [];
    },
    liveTokens: (username) => {
      const user = state.users.byUsername(username);
      return user ? state.tokens.liveOf(user.id) : [];
    },
    failNext(route, response, times = 1) {
      state.faults.add(route, response, times);
    },
    passNext(route, times) {
      state.faults.pass(route, times);
    },
    expireAccessTokens(username) {
      state.tokens.expireAccess(username === undefined ? undefined : userIdOf(username));
    },
    revokeTokens(username) {
      state.tokens.revokeUser(userIdOf(username));
    },
    setAccessTokenLifetime(seconds) {
      state.tokens.setAccessLifetime(seconds);
    },
    setMediaProcessing(settings) {
      state.mediaProcessing = { ...state.mediaProcessing, ...settings };
    },
  };
  return standIn;
}
