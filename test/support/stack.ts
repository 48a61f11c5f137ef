import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type InboundMedia, textApp } from "../../src/sandbox/phone";
import { type AppProcess, freePort, startAppProcess, TEST_CERT_PATH } from "./process";
import { connectThroughBrowser, linkIn } from "./service";
import { TWILIO_NUMBER, type TwilioFixture } from "./twilio";
import { waitFor } from "./wait";
import { X_CLIENT_ID, X_CLIENT_SECRET, type XHarness } from "./x";

/** What an operator would set to run the app against the stand-ins, on its own port and database. */
export function appEnvironment(
  x: XHarness,
  twilio: TwilioFixture,
  options: { databasePath?: string; publicUrl?: string } = {},
): { env: Record<string, string>; publicUrl: string } {
  const port = freePort();
  const publicUrl = options.publicUrl ?? `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: publicUrl,
    DATABASE_PATH: options.databasePath ?? join(mkdtempSync(join(tmpdir(), "smstweet-proc-")), "app.db"),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_PHONE_NUMBER: TWILIO_NUMBER,
    TWILIO_API_URL: twilio.url,
    X_CLIENT_ID: X_CLIENT_ID,
    X_CLIENT_SECRET: X_CLIENT_SECRET,
    X_API_URL: x.url,
    X_AUTHORIZE_URL: `${x.url}/i/oauth2/authorize`,
    // The stand-ins' certificate, trusted the standard way: the app is given no test hook.
    NODE_EXTRA_CA_CERTS: TEST_CERT_PATH,
    LOG_LEVEL: "info",
  };
  return { env, publicUrl };
}

/** For tests where each number texts dozens of times: caps lifted so that every text is confirmed. */
export const BUSY_NUMBERS: Readonly<Record<string, string>> = {
  MAX_TEXTS_PER_NUMBER_PER_HOUR: "10000",
  MAX_TEXTS_PER_HOUR: "100000",
  MAX_POSTS_PER_NUMBER_PER_DAY: "10000",
};

export type Texter = (
  app: AppProcess,
  from: string,
  body: string,
  media?: readonly InboundMedia[],
  messageSid?: string,
) => Promise<Response>;

/** Texts an app process as Twilio would, signed against `publicUrl`. */
export function texter(twilio: TwilioFixture, publicUrl: string): Texter {
  return (app, from, body, media, messageSid) =>
    textApp(app.url, {
      publicUrl,
      authToken: twilio.authToken,
      accountSid: twilio.accountSid,
      from,
      to: TWILIO_NUMBER,
      body,
      ...(media ? { media } : {}),
      ...(messageSid ? { messageSid } : {}),
    });
}

/** Connects `phone` as `username` through `app`: first text, link, consent, "Connected". */
export async function connectPhone(
  app: AppProcess,
  text: Texter,
  x: XHarness,
  twilio: TwilioFixture,
  phone: string,
  username: string,
): Promise<void> {
  await text(app, phone, "hi");
  const welcome = await waitFor(() => twilio.standIn.messagesTo(phone)[0]?.body, `a link for ${phone}`);
  const page = await connectThroughBrowser(app.url, x, linkIn(welcome), username);
  if (page.status !== 200) throw new Error(`connecting ${phone} failed: ${page.status}`);
  await waitFor(() => twilio.standIn.messagesTo(phone).length === 2, `the connected text to ${phone}`);
}

/** The texts `phone` received after its link and "Connected": the replies to what it texted since. */
export function repliesAfterConnecting(twilio: TwilioFixture, phone: string): string[] {
  return twilio.standIn
    .messagesTo(phone)
    .slice(2)
    .map((m) => m.body);
}

/** A real 1x1 PNG: what a phone would attach, byte for byte. */
export const PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "base64",
  ),
);

export { startAppProcess };
