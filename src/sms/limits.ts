/** Every limit is over a rolling hour: long enough to catch a loop, short enough to forgive a burst. */
export const LIMIT_WINDOW_MS = 60 * 60_000;

/** The cost guard: every SMS costs the operator money, so nothing may send without bound. */
export type Limits = {
  /** Texts to one number per rolling hour; past it the texts are dropped (a loop or an attack). */
  perNumberPerHour: number;
  /** Texts to everyone per rolling hour; past it texts wait for room rather than being dropped. */
  globalPerHour: number;
  /** New auth links (each one a text) per rolling hour, on top of the per-number cooldown. */
  linksPerHour: number;
};

export const DEFAULT_LIMITS: Limits = Object.freeze({
  perNumberPerHour: 30,
  globalPerHour: 1000,
  linksPerHour: 100,
});

/** Defaults for whatever the caller left out, so tests can tighten just the limit they exercise. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
