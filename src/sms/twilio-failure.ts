import twilio from "twilio";
import TwilioServiceException from "twilio/lib/base/TwilioServiceException";
import type { SendOutcome, SentLookup } from "./gateway";
import { UnreadableTwilioAnswer } from "./twilio-answer";

/** A failure that is neither Twilio's answer nor the network: a bug or a broken setup. */
export class TwilioClientError extends Error {
  override name = "TwilioClientError";
}

/** What one failed request to Twilio amounts to, before deciding what it means for a send or a lookup. */
export type TwilioFailure =
  /** A non-2xx answer (Twilio's, or a proxy's in front of it). */
  | { kind: "answered"; status: number; code: number | null; detail: string }
  /** A 2xx that cannot be read. */
  | { kind: "unreadable"; detail: string }
  /** No answer. `ambiguous`: the request may have reached Twilio. */
  | { kind: "network"; detail: string; ambiguous: boolean };

const OPTED_OUT = 21610;

/**
 * Errors raised before a byte of the request left: nothing can have reached Twilio. Anything else (timeouts,
 * resets, unknown codes) counts as possibly delivered, the safe side: it is looked up before a resend.
 */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

export function classifyFailure(error: unknown): TwilioFailure {
  if (error instanceof UnreadableTwilioAnswer) return { kind: "unreadable", detail: error.message };
  if (error instanceof twilio.RestException || error instanceof TwilioServiceException) {
    const code = error.code ? ` (error ${error.code})` : "";
    const detail = maskNumbers(`Twilio ${error.status}${code}: ${error.message}`);
    return { kind: "answered", status: error.status, code: error.code || null, detail };
  }
  // twilio-node's own words for a 200 list page without a list in it.
  if (error instanceof Error && error.message === "Page Records cannot be deserialized") {
    return { kind: "unreadable", detail: "Twilio answered a list page without messages" };
  }
  // axios (inside twilio) raises these for timeouts, refused connections and TLS failures.
  if (isAxiosError(error)) {
    const code = error.code ?? "network";
    return {
      kind: "network",
      detail: maskNumbers(`${code}: ${error.message}`),
      ambiguous: !NOT_SENT.has(code) && !isTlsRefusal(code),
    };
  }
  throw new TwilioClientError("unexpected failure from the twilio client", { cause: error });
}

/** Maps what the twilio client throws on a send onto the outcomes the outbox acts on. */
export function sendFailure(error: unknown): SendOutcome {
  const failure = classifyFailure(error);
  switch (failure.kind) {
    case "unreadable":
      // Only a 2xx gets here, and a 2xx from the Messages endpoint means Twilio took the message.
      return { kind: "sent", sid: null };
    case "network":
      return { kind: "unavailable", detail: failure.detail, ambiguous: failure.ambiguous };
    case "answered": {
      const { status, code, detail } = failure;
      if (code === OPTED_OUT) return { kind: "opted_out" };
      if (status === 408 || status === 429 || status >= 500 || status < 400) {
        return { kind: "unavailable", detail, ambiguous: false };
      }
      return { kind: "rejected", code, detail };
    }
  }
}

/** A lookup that failed in any way only means "ask again later". */
export function lookupFailure(error: unknown): SentLookup {
  return { kind: "unavailable", detail: classifyFailure(error).detail };
}

/** The handshake failed on the certificate, before the request was written. */
function isTlsRefusal(code: string): boolean {
  return (
    code.includes("CERT") ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code.startsWith("ERR_TLS") ||
    code.startsWith("ERR_SSL")
  );
}

function isAxiosError(error: unknown): error is Error & { code?: string } {
  return error instanceof Error && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

// Twilio echoes the recipient in some messages (21211 "The 'To' number +1555... is not valid"); details get logged.
function maskNumbers(text: string): string {
  return text.replace(/\+?\d{6,}/g, (digits) => `••••${digits.slice(-4)}`);
}
