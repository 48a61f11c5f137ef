import type { Config } from "../config";

/** Headers on every response from the app (Caddy adds HSTS at the edge). */
export function securityHeaders(config: Config): Record<string, string> {
  // form-action must allow X's consent page: Chromium applies it to the redirect after the form posts.
  const authorizeOrigin = new URL(config.x.authorizeUrl).origin;
  return {
    "content-security-policy": [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      `form-action 'self' ${authorizeOrigin}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
  };
}
