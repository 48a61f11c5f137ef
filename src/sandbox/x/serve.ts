import type { XStandIn } from "./types";

export type ServeOptions = { tls: { cert: string; key: string }; hostname?: string; port?: number };

export type ServedStandIn = { url: string; stop(): Promise<void> };

/** Serves the stand-in over TLS: twitter-api-v2 only speaks https. */
export function serveXStandIn(standIn: XStandIn, options: ServeOptions): ServedStandIn {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Bun.serve({
    hostname,
    port: options.port ?? 0,
    tls: { cert: options.tls.cert, key: options.tls.key },
    fetch: (request) => standIn.handle(request),
  });
  return {
    url: `https://${hostname}:${server.port}`,
    stop: () => server.stop(true),
  };
}
