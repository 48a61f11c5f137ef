export type BackoffPolicy = {
  /** Delay before the first retry; doubles with each attempt. */
  baseMs: number;
  maxMs: number;
  /** After this long since the text arrived, stop retrying and tell the texter. */
  giveUpAfterMs: number;
};

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 2_000,
  maxMs: 5 * 60_000,
  giveUpAfterMs: 60 * 60_000,
};

/** Exponential backoff with "equal jitter", so many texters retrying after an outage do not stampede X. */
export function retryDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
