import { type CodeStore, createCodeStore } from "./codes";
import { createFaultQueue, type FaultQueue } from "./faults";
import { createSnowflakes } from "./ids";
import { createMediaStore, type MediaStore } from "./media";
import { createPostStore, type PostStore } from "./posts";
import { createRateWindows, type RateWindows } from "./rate-limits";
import { createTokenStore, type TokenStore } from "./tokens";
import type { MediaProcessing } from "./types";
import { createUserRegistry, type UserRegistry } from "./users";

/** Everything the stand-in remembers; the route modules share it. */
export type StandInState = {
  clientId: string;
  clientSecret: string;
  now: () => number;
  users: UserRegistry;
  codes: CodeStore;
  tokens: TokenStore;
  posts: PostStore;
  media: MediaStore;
  faults: FaultQueue;
  tweetLimits: RateWindows;
  mediaProcessing: MediaProcessing;
};

export function createState(clientId: string, clientSecret: string, now: () => number): StandInState {
  const nextId = createSnowflakes(now);
  return {
    clientId,
    clientSecret,
    now,
    users: createUserRegistry(nextId),
    codes: createCodeStore(now),
    tokens: createTokenStore(now),
    posts: createPostStore(now, nextId),
    media: createMediaStore(nextId, now),
    faults: createFaultQueue(),
    // X's published per-user cap on POST /2/tweets; reported in headers, not enforced (use failNext for 429s).
    tweetLimits: createRateWindows(now, 100, 15 * 60 * 1000),
    // X's check_after_secs is a whole number; one second keeps tests that poll STATUS short.
    mediaProcessing: { seconds: 1, checkAfterSecs: 1, result: "succeeded" },
  };
}
