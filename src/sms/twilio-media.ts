import type { SmsGateway } from "./gateway";
import { withDefaultTrust } from "./twilio-endpoint";

export type MediaResult = Awaited<ReturnType<SmsGateway["fetchMedia"]>>;

export type MediaFetchOptions = {
  /** TWILIO_API_URL: the one origin the account's credentials are ever sent to. */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  ca?: string | undefined;
  timeoutMs: number;
  maxBytes?: number;
};

/** Twilio's own cap on an inbound MMS is 5 MB; anything far beyond that is not a real attachment. */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * Fetches a Twilio media URL. Redirects are followed by hand: Twilio answers with a 307 to a pre-signed CDN
 * URL on another origin, and the account credentials must not travel there; that is enforced here rather
 * than left to each runtime's redirect handling.
 */
export async function fetchTwilioMedia(url: string, options: MediaFetchOptions): Promise<MediaResult> {
  const authorization = `Basic ${btoa(`${options.accountSid}:${options.authToken}`)}`;
  const tlsOptions = options.ca === undefined ? {} : { tls: { ca: withDefaultTrust(options.ca) } };
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return { kind: "refused", detail: "media URL is not a URL" };
  }
  const api = new URL(options.apiUrl);
  // Twilio links an MMS's media on its own API origin. Anything else would receive the account's credentials
  // from a forged or compromised webhook, or make us read a file (file:) or a chosen host on its behalf.
  if (current.origin !== api.origin || !fetchable(current, api)) {
    return { kind: "refused", detail: `media URL is not on ${api.origin}` };
  }
  const origin = current.origin;
  let sameOrigin = true;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = sameOrigin ? { authorization } : {};
      const response = await fetch(current, { headers, redirect: "manual", signal, ...tlsOptions });
      const location = isRedirect(response.status) ? response.headers.get("location") : null;
      if (location === null) return await readMedia(response, options.maxBytes ?? MAX_MEDIA_BYTES);
      await response.body?.cancel();
      current = new URL(location, current);
      if (!fetchable(current, api))
        return { kind: "refused", detail: "media redirect to a URL that is not https" };
      // Once a hop has left Twilio's origin, coming back does not earn the credentials again.
      sameOrigin &&= current.origin === origin;
    }
    return { kind: "unavailable", detail: "too many redirects fetching media" };
  } catch (error) {
    return { kind: "unavailable", detail: `media fetch failed: ${describe(error)}` };
  }
}

async function readMedia(response: Response, maxBytes: number): Promise<MediaResult> {
  if (!response.ok) {
    await response.body?.cancel();
    const detail = `media fetch answered ${response.status}`;
    return isRetryable(response.status) ? { kind: "unavailable", detail } : { kind: "rejected", detail };
  }
  const tooLarge: MediaResult = { kind: "rejected", detail: `media larger than ${maxBytes} bytes` };
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    await response.body?.cancel();
    return tooLarge;
  }
  const bytes = await readCapped(response, maxBytes);
  if (bytes === null) return tooLarge;
  const contentType = (response.headers.get("content-type") ?? "application/octet-stream").split(";")[0];
  return { kind: "ok", bytes, contentType: (contentType ?? "").trim().toLowerCase() };
}

/** Reads the body, giving up as soon as it passes the cap: Content-Length may be absent or wrong. */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  if (response.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * https only; plain http only when TWILIO_API_URL itself is http on loopback (the sandbox and tests), and then
 * only on loopback (spec: media scheme).
 */
function fetchable(url: URL, api: URL): boolean {
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && api.protocol === "http:" && isLoopback(api) && isLoopback(url);
}

function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "[::1]" || url.hostname.startsWith("127.");
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
