import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from "twitter-api-v2";
import type { Refusal, TokenOutcome, XOutcome } from "./gateway";

/** Something X (or the library) did that the gateway has no outcome for: a bug, not a condition. */
export class XGatewayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "XGatewayError";
  }
}

/**
 * X answered in a form that cannot be read (not JSON, or without what the library needs). Thrown from the
 * answer-check plugin so that it leaves twitter-api-v2 before the library trips over the answer itself.
 */
export class XUnreadableAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XUnreadableAnswer";
  }
}

/** X's processing of an uploaded GIF ended in `failed`: that GIF will not go up. */
export class MediaProcessingFailed extends Error {
  constructor(mediaId: string) {
    super(`X could not process media ${mediaId}`);
    this.name = "MediaProcessingFailed";
  }
}

/** X was still processing an uploaded GIF when our wait ran out: a later attempt uploads it again. */
export class MediaProcessingUnfinished extends Error {
  constructor(mediaId: string, waitedMs: number) {
    super(`X was still processing media ${mediaId} after ${Math.round(waitedMs / 1000)} s`);
    this.name = "MediaProcessingUnfinished";
  }
}

export type Failure = Exclude<XOutcome<never>, { kind: "ok" }>;
export type TokenFailure = Exclude<TokenOutcome, { kind: "ok" }>;

/** Which call failed: a refused upload is about the media, whatever X's wording. */
export type CallKind = "api" | "media";

const FALLBACK_RETRY_MS = 60_000;

function describe(error: ApiResponseError): string {
  const data: unknown = error.data;
  if (data && typeof data === "object") {
    const { detail, title, error_description: description, errors } = data as Record<string, unknown>;
    const first = Array.isArray(errors)
      ? (errors[0] as { message?: unknown } | undefined)?.message
      : undefined;
    const text = [description, first, detail, title].find((part) => typeof part === "string" && part !== "");
    if (typeof text === "string") return `HTTP ${error.code}: ${text}`;
  }
  return `HTTP ${error.code}`;
}

function header(error: ApiResponseError, name: string): number | null {
  const raw = error.headers?.[name];
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** The 15-minute window can show requests left while a 24-hour cap is the one exhausted; wait for the later. */
function retryAt(error: ApiResponseError, now: number): number {
  const resets = [header(error, "x-rate-limit-reset")];
  for (const cap of ["x-user-limit-24hour", "x-app-limit-24hour"]) {
    if (error.headers?.[`${cap}-remaining`] === "0") resets.push(header(error, `${cap}-reset`));
  }
  const latest = Math.max(...resets.map((reset) => reset ?? 0));
  return latest > 0 ? latest * 1000 : now + FALLBACK_RETRY_MS;
}

function refusal(error: ApiResponseError, kind: CallKind): Refusal {
  // The telling words may sit in `detail`, `title` or `errors[].message` depending on the endpoint.
  const detail = typeof error.data === "string" ? error.data : JSON.stringify(error.data ?? "");
  if (/duplicate content/i.test(detail) || error.hasErrorCode(187)) return "duplicate";
  if (/suspended/i.test(detail) || error.hasErrorCode(64)) return "suspended";
  // X has restricted API replies on self-serve tiers since 2026-02: "Reply to this conversation is not allowed ..."
  if (/repl(y|ies)\b.*not allowed|not allowed.*\brepl(y|ies)/i.test(detail) || error.hasErrorCode(433)) {
    return "reply_not_allowed";
  }
  if (error.code === 404) return "not_found";
  if (/deleted or not visible/i.test(detail)) return "other";
  // X's wording for a 400 on POST /2/tweets: "Your Tweet text is too long. For more information on how ..."
  if (/text is too long|needs to be a bit shorter/i.test(detail)) return "too_long";
  if (kind === "media" || /media/i.test(detail) || error.code === 413 || error.code === 415) return "media";
  if (error.code === 403) return "policy";
  // X's invalid-request problem: a parameter we sent is malformed, so sending it again cannot help.
  return error.code === 400 ? "invalid" : "other";
}

/**
 * twitter-api-v2 1.29 stores the cause as `_options.error` but its `requestError` getter reads
 * `_options.requestError`, so the typed getter is always undefined.
 */
function causeOf(error: ApiRequestError): string {
  const cause: unknown =
    error.requestError ?? (error as unknown as { _options?: { error?: unknown } })._options?.error;
  return cause instanceof Error ? cause.message : error.message;
}

/** Connection failures that happen before a request is sent: X cannot have acted on it. */
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|CERT|self.signed/i;

function networkFailure(error: unknown): { kind: "unavailable"; detail: string; ambiguous: boolean } | null {
  if (error instanceof ApiRequestError) {
    const cause = causeOf(error);
    return { kind: "unavailable", detail: `network: ${cause}`, ambiguous: !NOT_SENT.test(cause) };
  }
  if (error instanceof ApiPartialResponseError) {
    return { kind: "unavailable", detail: error.message, ambiguous: true };
  }
  return null;
}

/** A success status with a body that arrived whole but would not parse, or one the plugin refused. */
function unreadable(error: unknown): { kind: "unreadable"; detail: string } | null {
  if (error instanceof XUnreadableAnswer) return { kind: "unreadable", detail: error.message };
  if (error instanceof ApiPartialResponseError) {
    const response = error.response as { statusCode?: number; complete?: boolean } | undefined;
    // An incomplete body is a connection cut short: a network failure, not an unreadable answer.
    if (response?.complete === true && (response.statusCode ?? 500) < 400) {
      return {
        kind: "unreadable",
        detail: `X answered ${response.statusCode} with JSON that does not parse`,
      };
    }
  }
  return null;
}

export function toFailure(error: unknown, now: number, kind: CallKind = "api"): Failure {
  const garbled = unreadable(error);
  if (garbled) return garbled;
  const network = networkFailure(error);
  if (network) return network;
  if (error instanceof MediaProcessingFailed)
    return { kind: "refused", reason: "processing", detail: error.message };
  // Nothing was posted with it: trying again later (with a new upload) cannot post twice.
  if (error instanceof MediaProcessingUnfinished)
    return { kind: "unavailable", detail: error.message, ambiguous: false };
  if (!(error instanceof ApiResponseError))
    throw new XGatewayError("Unexpected failure calling X", { cause: error });
  const detail = describe(error);
  if (error.code === 401) return { kind: "unauthorized" };
  if (error.code === 429) return { kind: "rate_limited", retryAt: retryAt(error, now) };
  // X's edge can answer 5xx after its backend acted: only a 4xx says for sure that nothing happened.
  if (error.code >= 500 || error.code === 408) return { kind: "unavailable", detail, ambiguous: true };
  if (error.code >= 400) return { kind: "refused", reason: refusal(error, kind), detail };
  throw new XGatewayError(`Unexpected HTTP ${error.code} from X`, { cause: error });
}

/** The token endpoint speaks RFC 6749; twitter-api-v2's `isAuthError` is false for its 400s. */
export function toTokenFailure(error: unknown): TokenFailure {
  // Nothing about the grant can be learnt from an unreadable answer: try again later.
  const garbled = unreadable(error);
  if (garbled) return { kind: "unavailable", detail: garbled.detail };
  const network = networkFailure(error);
  if (network) return network;
  if (!(error instanceof ApiResponseError))
    throw new XGatewayError("Unexpected failure at X's token endpoint", { cause: error });
  const detail = describe(error);
  const code = (error.data as { error?: unknown } | undefined)?.error;
  // Real X answers a used or revoked refresh token with invalid_request, not the RFC's invalid_grant.
  if (
    error.code === 401 ||
    (error.code === 400 && (code === "invalid_request" || code === "invalid_grant"))
  ) {
    return { kind: "invalid_grant", detail };
  }
  if (error.code >= 500 || error.code === 429 || error.code === 408) return { kind: "unavailable", detail };
  throw new XGatewayError(`Unexpected answer from X's token endpoint: ${detail}`, { cause: error });
}
