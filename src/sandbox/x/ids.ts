import { randomBytes } from "node:crypto";

const TWITTER_EPOCH = 1288834974657n;

/** Numeric ids shaped like X's snowflakes, increasing with time. */
export function createSnowflakes(now: () => number): () => string {
  let sequence = 0n;
  let lastMs = -1n;
  return () => {
    let ms = BigInt(now()) - TWITTER_EPOCH;
    if (ms < lastMs) ms = lastMs;
    if (ms === lastMs) {
      sequence = (sequence + 1n) & 0xfffn;
      if (sequence === 0n) ms += 1n;
    } else {
      sequence = 0n;
    }
    lastMs = ms;
    return ((ms << 22n) | (1n << 12n) | sequence).toString();
  };
}

/** Opaque credentials: long enough that guessing is hopeless, URL-safe like X's. */
export function randomToken(bytes = 48): string {
  return randomBytes(bytes).toString("base64url");
}
