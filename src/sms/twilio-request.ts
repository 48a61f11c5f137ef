// The webhooks module alone: the whole package (its REST client and axios) would double this thread's memory.
import { validateRequest } from "twilio/lib/webhooks/webhooks";
import { parseForm, readLimitedText } from "../http/body";
import { forbidden, unsupportedMediaType } from "../http/errors";
import type { Logger } from "../log";

/** A MessageSid as Twilio writes it in webhooks: SM… for texts, MM… for picture messages. */
export const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

/**
 * The form Twilio posted, read within the body limit and checked against `X-Twilio-Signature`. Twilio signs
 * the public URL it was given (behind Caddy the request URL is http://app:3000/…) with every posted field
 * exactly as sent, which is why the body is parsed here and not by Elysia. A signature over any of
 * `signedUrls` is accepted (the inbound webhook's URL may carry Twilio's connection overrides).
 */
export async function readSignedForm(
  request: Request,
  check: { authToken: string; signedUrls: readonly string[]; logger: Logger; deadlineMs: number },
): Promise<Record<string, string>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw unsupportedMediaType("application/x-www-form-urlencoded");
  }
  const fields = parseForm(await readLimitedText(request, { deadlineMs: check.deadlineMs }));
  const signature = request.headers.get("x-twilio-signature");
  const signed = (url: string): boolean =>
    signature !== null && validateRequest(check.authToken, signature, url, fields);
  if (!check.signedUrls.some(signed)) {
    const path = check.signedUrls[0] === undefined ? "" : new URL(check.signedUrls[0]).pathname;
    check.logger.warn("sms.bad_signature", { path });
    throw forbidden("Invalid Twilio signature");
  }
  return fields;
}
