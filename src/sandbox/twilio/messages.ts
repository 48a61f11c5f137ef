import { twilioError } from "./errors";
import { twilioSid } from "./ids";
import { twilioSegments } from "./segments";
import type { SentMessage } from "./types";

export type MessageContext = {
  accountSid: string;
  now: number;
  isOptedOut(phone: string): boolean;
  record(message: SentMessage): void;
};

// Twilio refuses bodies longer than this even though it would split them into segments.
const MAX_BODY_LENGTH = 1600;

/** `POST .../Messages.json` once authenticated: Twilio's validation order, then a 201 with the resource. */
export function createMessage(form: URLSearchParams, context: MessageContext): Response {
  const to = form.get("To") ?? "";
  const from = form.get("From") || null;
  const messagingServiceSid = form.get("MessagingServiceSid") || null;
  const body = form.get("Body") ?? "";
  const mediaUrls = form.getAll("MediaUrl");
  if (to === "") return twilioError(400, 21604, "A 'To' phone number is required.");
  if (from === null && messagingServiceSid === null) {
    return twilioError(400, 21603, "A 'From' phone number is required.");
  }
  if (body === "" && mediaUrls.length === 0) return twilioError(400, 21602, "Message body is required.");
  if (body.length > MAX_BODY_LENGTH) {
    return twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
  }
  if (context.isOptedOut(to)) return twilioError(400, 21610, "Attempt to send to unsubscribed recipient");
  const message: SentMessage = {
    sid: twilioSid(mediaUrls.length > 0 ? "MM" : "SM"),
    to,
    from,
    messagingServiceSid,
    body,
    mediaUrls,
    createdAt: context.now,
    statusCallback: form.get("StatusCallback") || null,
  };
  context.record(message);
  return Response.json(messageResource(message, context.accountSid), { status: 201 });
}

/** The message resource as Twilio returns it; counts are strings in Twilio's JSON. */
export function messageResource(message: SentMessage, accountSid: string): Record<string, unknown> {
  const date = twilioDate(message.createdAt);
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}`;
  return {
    account_sid: accountSid,
    api_version: "2010-04-01",
    body: message.body,
    date_created: date,
    date_sent: null,
    date_updated: date,
    direction: "outbound-api",
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    num_media: String(message.mediaUrls.length),
    num_segments: String(twilioSegments(message.body)),
    price: null,
    price_unit: "USD",
    sid: message.sid,
    // A Messaging Service picks the sender later, so Twilio first reports such messages as "accepted".
    status: message.messagingServiceSid === null ? "queued" : "accepted",
    subresource_uris: { media: `${uri}/Media.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}

/**
 * The message as Twilio lists it later: the stand-in hands every message to the carrier at once, so by the time
 * anyone lists it, it has been sent (`date_sent` set), whatever the create answer said.
 */
export function sentResource(message: SentMessage, accountSid: string): Record<string, unknown> {
  return {
    ...messageResource(message, accountSid),
    date_sent: twilioDate(message.createdAt),
    status: "sent",
  };
}

/** RFC 2822 with a numeric zone, as in Twilio's `date_created`. */
function twilioDate(epochMs: number): string {
  return new Date(epochMs).toUTCString().replace("GMT", "+0000");
}
