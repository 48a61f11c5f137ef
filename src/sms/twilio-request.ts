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
 * exactly as sent, which is why the body is parsed here and not by Elysia.
 */
export async function readSignedForm(
  request: Request,
  check: { authToken: string; signedUrl: string; logger: Logger; deadlineMs: number },
): Promise<Record<string, string>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw unsupportedMediaType("application/x-www-form-urlencoded");
  }
  const fields = parseForm(await readLimitedText(request, { deadlineMs: check.deadlineMs }));
  const signature = request.headers.get("x-twilio-signature");
  if (!signature || !validateRequest(check.authToken, signature, check.signedUrl, fields)) {
    check.logger.warn("sms.bad_signature", { path: new URL(check.signedUrl).pathname });
    throw forbidden("Invalid Twilio signature");
  }
  return fields;
}
