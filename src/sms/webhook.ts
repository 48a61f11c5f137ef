import { type Context, Elysia } from "elysia";
import type { InboxWriter, MediaItem } from "../db/inbound";
import { badRequest } from "../http/errors";
import { type Logger, maskPhone } from "../log";
import { currentRequestId, withRequestIdOf } from "../request-id";
import { MESSAGE_SID, readSignedForm } from "./twilio-request";
import { inboundSignedUrls } from "./webhook-url";

export type WebhookDeps = {
  /** Stores texts with group commit and wakes the worker. */
  inbox: InboxWriter;
  logger: Logger;
  publicUrl: string;
  twilio: { accountSid: string; authToken: string };
  bodyDeadlineMs: number;
  /** Told how long each answer to Twilio took, and whether its sender is one nothing is stored for. */
  answered?: (seconds: number, ignored: boolean) => void;
};

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_MEDIA = 10;

/**
 * Twilio's inbound webhook: verify, store, answer. It never calls X or Twilio, so it answers in
 * milliseconds whatever they are doing; replies go out through the outbox.
 */
// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function webhookController(deps: WebhookDeps) {
  // Twilio signs the public URL; behind Caddy the request URL is http://app:3000/sms.
  const signedUrls = inboundSignedUrls(deps.publicUrl);
  return new Elysia({ name: "sms-webhook" }).post(
    "/sms",
    // The id this text's lines share, from the webhook to the reply's send (it rides in the jobs' payloads).
    withRequestIdOf(async ({ request, set }: Context) => {
      const start = performance.now();
      const fields = await readSignedForm(request, {
        authToken: deps.twilio.authToken,
        signedUrls,
        logger: deps.logger,
        deadlineMs: deps.bodyDeadlineMs,
      });
      set.headers["content-type"] = "text/xml; charset=utf-8";
      const sender = senderKind(fields.From ?? "");
      if (sender !== "phone" && sender !== "missing") {
        // WhatsApp, short codes and alphanumeric IDs cannot be texted back through our number: a 4xx
        // would only fill the operator's Twilio console with error 11200. Nothing is stored or sent.
        deps.logger.info("sms.ignored_sender", { sender });
        deps.answered?.((performance.now() - start) / 1000, true);
        return EMPTY_TWIML;
      }
      const message = readMessage(fields, deps.twilio.accountSid);
      // Answered only once the text is committed: Twilio may then forget it.
      const stored = await deps.inbox.store({ ...message, req: currentRequestId() });
      deps.logger.info(stored ? "sms.received" : "sms.duplicate_delivery", {
        from: maskPhone(message.phone),
        media: message.media.length,
      });
      deps.answered?.((performance.now() - start) / 1000, false);
      return EMPTY_TWIML;
    }),
    // Not parsed by Elysia: readSignedForm checks the signature over every field as Twilio sent it.
    { parse: "none" },
  );
}

type SenderKind = "phone" | "missing" | "channel" | "short_code" | "alphanumeric";

/** What kind of sender Twilio says texted us; only a phone number in E.164 can be answered and served. */
function senderKind(from: string): SenderKind {
  if (from === "") return "missing";
  if (E164.test(from)) return "phone";
  if (/^[a-z]+:/i.test(from)) return "channel";
  if (/^\d{3,8}$/.test(from)) return "short_code";
  if (/^[A-Za-z0-9 ]{1,11}$/.test(from) && /[A-Za-z]/.test(from)) return "alphanumeric";
  return "missing";
}

function readMessage(
  fields: Record<string, string>,
  accountSid: string,
): { sid: string; phone: string; body: string; media: MediaItem[] } {
  if (fields.AccountSid !== accountSid) throw badRequest("AccountSid does not match this service");
  const sid = fields.MessageSid ?? "";
  if (!MESSAGE_SID.test(sid)) throw badRequest("MessageSid is missing or malformed");
  const phone = fields.From ?? "";
  if (!E164.test(phone)) throw badRequest("From must be a phone number in E.164 form");
  const count = Number(fields.NumMedia ?? "0");
  if (!Number.isInteger(count) || count < 0 || count > MAX_MEDIA) throw badRequest("NumMedia is malformed");
  const media: MediaItem[] = [];
  for (let i = 0; i < count; i++) {
    const url = fields[`MediaUrl${i}`];
    const contentType = fields[`MediaContentType${i}`];
    if (!url || !contentType || !URL.canParse(url)) throw badRequest(`MediaUrl${i} is missing or malformed`);
    media.push({ url, contentType });
  }
  if (fields.Body === undefined && media.length === 0) throw badRequest("Body is missing");
  return { sid, phone, body: fields.Body ?? "", media };
}
