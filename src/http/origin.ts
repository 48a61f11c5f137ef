/**
 * Whether a state-changing request comes from one of our own pages, in the manner of oslo's
 * `verifyRequestOrigin`, but comparing whole origins (scheme, host and port), not hosts only.
 */

/** What a browser says about where a request comes from; null when the header is absent. */
export type RequestSource = { origin: string | null; fetchSite: string | null };

export type OriginVerdict =
  | { ok: true }
  | {
      ok: false;
      /**
       * `null_origin`: `Origin: null` (a sandboxed frame, a data: URL, a cross-origin redirect, or a page
       * with no-referrer). `foreign_origin`: another scheme, host or port. `malformed_origin`: not an
       * origin at all. `cross_site`: Sec-Fetch-Site says another site (or an unknown value).
       */
      reason: "null_origin" | "foreign_origin" | "malformed_origin" | "cross_site";
    };

/** Sec-Fetch-Site values that vouch for a request: our own page, or the texter's own action (`none`). */
const VOUCHING = new Set(["same-origin", "none"]);

export function requestSource(headers: Headers): RequestSource {
  return { origin: headers.get("origin"), fetchSite: headers.get("sec-fetch-site") };
}

/**
 * Spec (Decisions, "Origin check"): our pages send Referrer-Policy same-origin, so our own form's POST
 * carries our Origin. `null` and foreign origins are refused. Without Origin, Sec-Fetch-Site must be
 * same-origin or none; with neither header (old phone browsers) the request passes, and X's consent
 * page stays the texter's confirmation.
 */
export function verifyRequestOrigin(source: RequestSource, ownOrigin: string): OriginVerdict {
  const site = source.fetchSite?.trim().toLowerCase() ?? null;
  if (site !== null && !VOUCHING.has(site)) return { ok: false, reason: "cross_site" };
  if (source.origin === null) return { ok: true };
  const origin = source.origin.trim();
  if (origin.toLowerCase() === "null") return { ok: false, reason: "null_origin" };
  const parsed = asOrigin(origin);
  if (parsed === null) return { ok: false, reason: "malformed_origin" };
  return parsed === new URL(ownOrigin).origin ? { ok: true } : { ok: false, reason: "foreign_origin" };
}

/** `scheme://host[:port]` and nothing else: the only shape RFC 6454 (section 7) gives the header. */
const ORIGIN_SHAPE = /^https?:\/\/[^/?#@\\\s]+$/i;

/**
 * The serialised origin of an Origin header's value, or null when it is not a bare http(s) origin (a
 * path, even a trailing slash, a query or userinfo). Scheme and host compare case-insensitively and a
 * default port is the same origin (RFC 6454), which the URL parser's serialisation gives.
 */
function asOrigin(value: string): string | null {
  if (!ORIGIN_SHAPE.test(value)) return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}
