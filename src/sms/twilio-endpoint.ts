import tls from "node:tls";
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient";
import type Response from "twilio/lib/http/response";
import type { Measure } from "../ops/measure";
import { checkReadable } from "./twilio-answer";

export type TwilioEndpointOptions = {
  apiUrl: string;
  ca?: string | undefined;
  timeoutMs: number;
  /** Told of every request to Twilio, for /metrics. */
  measure?: Measure | undefined;
};

/**
 * twilio hardcodes https://api.twilio.com (and rewrites hostnames for edges and regions); `TWILIO_API_URL`
 * must win over all of that, so every request is re-based onto `apiUrl` at the last moment. Answers are
 * checked here too, where the status is still known (see `checkReadable`).
 */
export class TwilioEndpointClient extends twilio.RequestClient {
  readonly #base: string;
  readonly #measure: Measure | undefined;

  constructor(options: TwilioEndpointOptions) {
    super({
      timeout: options.timeoutMs,
      keepAlive: true,
      ...(options.ca === undefined ? {} : { ca: withDefaultTrust(options.ca) }),
    });
    this.#base = trimSlash(options.apiUrl);
    this.#measure = options.measure;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const start = performance.now();
    let status = "network";
    try {
      const response = await super.request({ ...opts, uri: rebase(opts.uri, this.#base) });
      status = String(response.statusCode);
      checkReadable(response);
      return response;
    } finally {
      this.#measure?.({ kind: "twilio_request", status, seconds: (performance.now() - start) / 1000 });
    }
  }
}

/** Keeps path and query, swaps the origin (and prepends any base path `apiUrl` has). */
export function rebase(uri: string, base: string): string {
  const url = new URL(uri);
  return `${base}${url.pathname}${url.search}`;
}

/**
 * A `ca` option replaces the whole trust store (public roots and NODE_EXTRA_CA_CERTS alike) in Bun and Node;
 * smstweet's `ca` means "also trust this", so it is appended to the defaults.
 */
export function withDefaultTrust(ca: string): string {
  const extra = typeof tls.getCACertificates === "function" ? tls.getCACertificates("extra") : [];
  return [...tls.rootCertificates, ...extra, ca].join("\n");
}

function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
