export type RateWindows = {
  /** Counts one request for `key` and returns X's rate-limit headers for it. */
  hit(key: string): Record<string, string>;
};

export function createRateWindows(now: () => number, limit: number, windowMs: number): RateWindows {
  const windows = new Map<string, { resetAt: number; used: number }>();
  return {
    hit(key) {
      let window = windows.get(key);
      if (!window || window.resetAt <= now()) {
        window = { resetAt: now() + windowMs, used: 0 };
        windows.set(key, window);
      }
      window.used += 1;
      return {
        "x-rate-limit-limit": String(limit),
        "x-rate-limit-remaining": String(Math.max(0, limit - window.used)),
        "x-rate-limit-reset": String(Math.ceil(window.resetAt / 1000)),
      };
    },
  };
}
