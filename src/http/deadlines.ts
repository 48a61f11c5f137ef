/**
 * How long the app waits on a client. Behind Caddy the internet's header and body deadlines are Caddy's
 * (Caddyfile, `servers { timeouts }`); these bound whoever reaches the app itself, Caddy included.
 */
export type HttpDeadlines = {
  /** From a handler's first read of the body to its last byte; past it the answer is 408 and the socket closes. */
  bodyMs: number;
  /**
   * Bun's `idleTimeout`, in seconds (Bun counts in 4-second ticks). Measured on Bun 1.4: it closes a
   * kept-alive connection that sends nothing, and it also cuts a request whose handler is still running,
   * without an answer. So it must outlast the slowest handler: the OAuth callback waits on up to three
   * X calls of 10 s each (exchange, users/me, a revoke). Headers are cut by Bun itself after about 12 s.
   */
  idleSeconds: number;
};

/** Twilio posts its webhook's few kilobytes at once, and the Connect button posts no fields at all. */
export const DEFAULT_DEADLINES: HttpDeadlines = { bodyMs: 5_000, idleSeconds: 60 };
