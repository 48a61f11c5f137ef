import type { TwilioStandIn } from "./types";

export type ServeOptions = { tls?: { cert: string; key: string }; hostname?: string; port?: number };

export type ServedStandIn = { url: string; stop(): Promise<void> };

/** Serves the stand-in on its own port; also tells it its URL (when unset) so media URLs are absolute. */
export function serveTwilioStandIn(standIn: TwilioStandIn, options: ServeOptions = {}): ServedStandIn {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Bun.serve({
    hostname,
    port: options.port ?? 0,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    fetch: (request) => standIn.handle(request),
  });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const url = `${options.tls === undefined ? "http" : "https"}://${host}:${server.port}`;
  if (standIn.baseUrl === "") standIn.baseUrl = url;
  return {
    url,
    // Force-close keep-alive sockets (the twilio client pools them) so tests do not hang on shutdown.
    stop: () => server.stop(true),
  };
}
