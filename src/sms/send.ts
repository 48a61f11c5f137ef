import twilio from "twilio";
import type { SendOutcome, SmsGateway } from "./gateway";
import { TwilioEndpointClient } from "./twilio-endpoint";
import { fetchTwilioMedia } from "./twilio-media";

export type TwilioSender = { phoneNumber: string } | { messagingServiceSid: string };

export type TwilioSmsOptions = {
  accountSid: string;
  authToken: string;
  sender: TwilioSender;
  /** `TWILIO_API_URL`: https://api.twilio.com in production, a stand-in in tests and sandbox mode. */
  apiUrl: string;
  /** Extra CA certificate (PEM) to trust, on top of the defaults and NODE_EXTRA_CA_CERTS. */
  ca?: string;
  timeoutMs?: number;
};

/** A failure that is neither Twilio's answer nor the network: a bug or a broken setup. */
export class TwilioClientError extends Error {
  override name = "TwilioClientError";
}

const DEFAULT_TIMEOUT_MS = 10_000;
const OPTED_OUT = 21610;

/** The SmsGateway over the official twilio client, pointed at `apiUrl`. */
export function createTwilioSms(options: TwilioSmsOptions): SmsGateway {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let client: twilio.Twilio;
  try {
    client = twilio(options.accountSid, options.authToken, {
      httpClient: new TwilioEndpointClient({ apiUrl: options.apiUrl, ca: options.ca, timeoutMs }),
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
        const message = await client.messages.create({ to, body, ...sender });
        return { kind: "sent", sid: message.sid };
      } catch (error) {
        return sendFailure(error);
      }
    },
    fetchMedia: (url) => fetchTwilioMedia(url, { ...options, timeoutMs }),
  };
}

/** Maps what the twilio client throws onto the outcomes the outbox acts on. */
export function sendFailure(error: unknown): SendOutcome {
  if (error instanceof twilio.RestException) {
    const detail = maskNumbers(`Twilio ${error.status}: ${error.message}`);
    if (error.code === OPTED_OUT) return { kind: "opted_out" };
    if (error.status === 408 || error.status === 429 || error.status >= 500 || error.status < 400) {
      return { kind: "unavailable", detail };
    }
    return { kind: "rejected", code: error.code ?? null, detail };
  }
  // axios (inside twilio) raises these for timeouts, refused connections and TLS failures.
  if (isAxiosError(error))
    return { kind: "unavailable", detail: maskNumbers(`${error.code ?? "network"}: ${error.message}`) };
  throw new TwilioClientError("unexpected failure from the twilio client", { cause: error });
}

function isAxiosError(error: unknown): error is Error & { code?: string } {
  return error instanceof Error && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

// Twilio echoes the recipient in some messages (21211 "The 'To' number +1555... is not valid"); details get logged.
function maskNumbers(text: string): string {
  return text.replace(/\+?\d{6,}/g, (digits) => `••••${digits.slice(-4)}`);
}
