import { join } from "node:path";
import { createTwilioStandIn, serveTwilioStandIn, type TwilioStandIn } from "../../src/sandbox/twilio";
import type { SmsGateway } from "../../src/sms/gateway";
import { createTwilioSms, type TwilioSender } from "../../src/sms/send";

const certs = join(import.meta.dir, "certs");
export const testCert = await Bun.file(join(certs, "cert.pem")).text();
export const testKey = await Bun.file(join(certs, "key.pem")).text();

export const ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
export const AUTH_TOKEN = "test-auth-token-0123456789abcdef";
export const TWILIO_NUMBER = "+15005550006";
/** Twilio signs this; the app itself listens on loopback, as it does behind Caddy. */
export const PUBLIC_URL = "https://smstweet.test";
export const STATUS_CALLBACK = `${PUBLIC_URL}/sms/status`;

export type TwilioFixture = {
  standIn: TwilioStandIn;
  /** The stand-in's API origin (https). */
  url: string;
  /** A second origin on the same stand-in, where media redirects land, like Twilio's CDN. */
  cdnUrl: string;
  sms: SmsGateway;
  accountSid: string;
  authToken: string;
  stop(): Promise<void>;
};

/** The Twilio stand-in over TLS (test CA) and the real twilio client pointed at it through the adapter. */
export function startTwilio(
  options: { sender?: TwilioSender; timeoutMs?: number; clientAuthToken?: string } = {},
): TwilioFixture {
  const standIn = createTwilioStandIn({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  const tls = { cert: testCert, key: testKey };
  const api = serveTwilioStandIn(standIn, { tls });
  const cdn = serveTwilioStandIn(standIn, { tls });
  standIn.cdnUrl = cdn.url;
  const sms = createTwilioSms({
    accountSid: ACCOUNT_SID,
    authToken: options.clientAuthToken ?? AUTH_TOKEN,
    sender: options.sender ?? { phoneNumber: TWILIO_NUMBER },
    apiUrl: api.url,
    statusCallback: STATUS_CALLBACK,
    ca: testCert,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  return {
    standIn,
    url: api.url,
    cdnUrl: cdn.url,
    sms,
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    stop: async () => {
      await Promise.all([api.stop(), cdn.stop()]);
    },
  };
}
