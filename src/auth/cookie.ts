export const STATE_COOKIE = "smstweet_oauth";

/** Binds an OAuth `state` to this browser. Lax: it must come back on X's top-level redirect. */
export function stateCookie(state: string, maxAgeSeconds: number): string {
  return `${STATE_COOKIE}=${state}; Path=/auth/callback; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearedStateCookie(): string {
  return stateCookie("", 0);
}

export function readCookie(header: string | null, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}
