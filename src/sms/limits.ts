/** The hourly limits' rolling window: long enough to catch a loop, short enough to forgive a burst. */
export const LIMIT_WINDOW_MS = 60 * 60_000;

/** The daily limits' rolling window (links and posts per number). */
export const DAY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The cost guard: every SMS costs the operator money, and so does every post (X bills each), so nothing
 * may send or post without bound. The per-number caps are there so that the global ones take many
 * numbers to reach: a few numbers must never use up what a genuine new texter needs.
 */
export type Limits = {
  /** Texts to one number per rolling hour; past it the texts are dropped (a loop or an attack). */
  perNumberPerHour: number;
  /** Texts to everyone per rolling hour; past it texts wait for room rather than being dropped. */
  globalPerHour: number;
  /** New auth links (each one a text) per rolling hour, on top of the per-number cooldown. */
  linksPerHour: number;
  /** New auth links to one number per rolling day. */
  linksPerNumberPerDay: number;
  /** Answers to HELP/INFO from one number per rolling hour; past it HELP is recognised, not answered. */
  helpPerNumberPerHour: number;
  /** Posts to X (each thread part one) by one number per rolling day. */
  postsPerNumberPerDay: number;
};

export const DEFAULT_LIMITS: Limits = Object.freeze({
  perNumberPerHour: 30,
  globalPerHour: 1000,
  linksPerHour: 100,
  linksPerNumberPerDay: 3,
  helpPerNumberPerHour: 3,
  postsPerNumberPerDay: 100,
});

/** Defaults for whatever the caller left out, so tests can tighten just the limit they exercise. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * Of the hour's links, how many a number that had one before may take: three quarters. The last quarter
 * (rounded down) is kept for numbers that never had a link, so that numbers asking again and again cannot
 * shut a genuine new texter out; to take it too, a flood needs that many numbers new to us every hour.
 */
export function repeatLinksPerHour(limits: Pick<Limits, "linksPerHour">): number {
  return limits.linksPerHour - Math.floor(limits.linksPerHour / 4);
}

/**
 * Of the hour's texts, how many may be anything but a link: links are capped at `linksPerHour`, so keeping
 * that many back (at most a tenth of the budget) means a flood of other replies never holds a new
 * texter's link back until it expires.
 */
export function textsBesideLinksPerHour(limits: Pick<Limits, "globalPerHour" | "linksPerHour">): number {
  return limits.globalPerHour - Math.min(limits.linksPerHour, Math.floor(limits.globalPerHour / 10));
}
