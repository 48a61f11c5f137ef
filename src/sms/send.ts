import twilio from "twilio";
import type { Measure } from "../ops/measure";
import { findSent } from "./find-sent";
import type { SmsGateway } from "./gateway";
import { messageSid } from "./twilio-answer";
import { TwilioEndpointClient } from "./twilio-endpoint";
import { sendFailure, TwilioClientError } from "./twilio-failure";
import { fetchTwilioMedia } from "./twilio-media";

export { TwilioClientError } from "./twilio-failure";

export type TwilioSender = { phoneNumber: string } | { messagingServiceSid: string };

export type TwilioSmsOptions = {
  accountSid: string;
  authToken: string;
  sender: TwilioSender;
  /** `TWILIO_API_URL`: https://api.twilio.com in production, a stand-in in tests and sandbox mode. */
  apiUrl: string;
  /** `PUBLIC_URL/sms/status`: set on every text, so Twilio reports its delivery there (no console setting). */
  statusCallback: string;
  /** Extra CA certificate (PEM) to trust, on top of the defaults and NODE_EXTRA_CA_CERTS. */
  ca?: string;
  timeoutMs?: number;
  /** Told of every request to Twilio, for /metrics. */
  measure?: Measure;
};

const DEFAULT_TIMEOUT_MS = 10_000;

/** The SmsGateway over the official twilio client, pointed at `apiUrl`. */
export function createTwilioSms(options: TwilioSmsOptions): SmsGateway {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let client: twilio.Twilio;
  try {
    client = twilio(options.accountSid, options.authToken, {
      httpClient: new TwilioEndpointClient({
        apiUrl: options.apiUrl,
        ca: options.ca,
        timeoutMs,
        measure: options.measure,
      }),
    });
  } catch (error) {
    throw new TwilioClientError("could not set up the twilio client", { cause: error });
  }
  const sender =
    "phoneNumber" in options.sender
      ? { from: options.sender.phoneNumber }
      : { messagingServiceSid: options.sender.messagingServiceSid };

  return {
    async send(to, body) {
      try {
        const message = await client.messages.create({
          to,
          body,
          statusCallback: options.statusCallback,
          ...sender,
        });
        // A 2xx is acceptance whatever its body: a `{}` still means Twilio has the message.
        return { kind: "sent", sid: messageSid(message.sid) };
      } catch (error) {
        return sendFailure(error);
      }
    },
    findSent: (to, body, since) => findSent(client, to, body, since),
    fetchMedia: (url) => fetchTwilioMedia(url, { ...options, timeoutMs }),
  };
}
