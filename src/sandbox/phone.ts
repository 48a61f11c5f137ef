import { parsePhoneNumberFromString } from "libphonenumber-js";
import twilio from "twilio";
import { twilioSid } from "./twilio/ids";
import { twilioSegments } from "./twilio/segments";

export type InboundMedia = { url: string; contentType: string };

export type InboundText = {
  accountSid: string;
  from: string;
  to: string;
  body: string;
  messageSid?: string;
  messagingServiceSid?: string;
  media?: readonly InboundMedia[];
};

export type SignedWebhook = {
  path: "/sms";
  /** The public URL the signature covers (what Twilio has configured), not where the request is sent. */
  url: string;
  headers: Record<string, string>;
  body: string;
};

/** Every parameter Twilio posts to a messaging webhook for an inbound SMS or MMS, in Twilio's order. */
export function inboundParams(input: InboundText): Record<string, string> {
  const media = input.media ?? [];
  const sid = input.messageSid ?? twilioSid(media.length > 0 ? "MM" : "SM");
  // Twilio only knows city/state/zip for some (mostly North American) numbers and posts "" otherwise.
  const params: Record<string, string> = {
    ToCountry: countryOf(input.to),
    ToState: "",
    SmsMessageSid: sid,
    NumMedia: String(media.length),
    ToCity: "",
    FromZip: "",
    SmsSid: sid,
    FromState: "",
    SmsStatus: "received",
    FromCity: "",
    Body: input.body,
    FromCountry: countryOf(input.from),
    To: input.to,
    ...(input.messagingServiceSid === undefined ? {} : { MessagingServiceSid: input.messagingServiceSid }),
    ToZip: "",
    NumSegments: String(twilioSegments(input.body)),
    MessageSid: sid,
    AccountSid: input.accountSid,
    From: input.from,
    ApiVersion: "2010-04-01",
  };
  media.forEach((item, index) => {
    params[`MediaContentType${index}`] = item.contentType;
    params[`MediaUrl${index}`] = item.url;
  });
  return params;
}

/** The request Twilio would make: form body plus the signature over the public URL and every parameter. */
export function signedWebhook(input: {
  publicUrl: string;
  authToken: string;
  params: Record<string, string>;
}): SignedWebhook {
  const url = `${input.publicUrl.replace(/\/+$/, "")}/sms`;
  return {
    path: "/sms",
    url,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": twilio.getExpectedTwilioSignature(input.authToken, url, input.params),
      "I-Twilio-Idempotency-Token": crypto.randomUUID(),
      "User-Agent": "TwilioProxy/1.1",
    },
    body: new URLSearchParams(input.params).toString(),
  };
}

/** Texts the app at `appUrl` as Twilio would deliver it; the signature covers `publicUrl`. */
export function textApp(
  appUrl: string,
  input: InboundText & { publicUrl: string; authToken: string },
): Promise<Response> {
  const webhook = signedWebhook({
    publicUrl: input.publicUrl,
    authToken: input.authToken,
    params: inboundParams(input),
  });
  return fetch(`${appUrl.replace(/\/+$/, "")}${webhook.path}`, {
    method: "POST",
    headers: webhook.headers,
    body: webhook.body,
  });
}

function countryOf(phone: string): string {
  return parsePhoneNumberFromString(phone)?.country ?? "";
}
