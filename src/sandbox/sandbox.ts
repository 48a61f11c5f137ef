import { type Clock, systemClock } from "../clock";
import type { Config } from "../config";
import { describeViolation, onContractViolation } from "./contract/violations";
import { textApp } from "./phone";
import type { SamplePicture } from "./sample-pictures";
import { SANDBOX_LANDLINE } from "./settings";
import { createTwilioStandIn, type TwilioStandIn } from "./twilio";
import { createXStandIn, type XStandIn } from "./x";

/** A text the simulator sent to the service, as the phone remembers it. */
export type PhoneText = { from: string; body: string; at: number; pictures: string[] };

/** The stand-ins the sandbox serves on the app's own port, and the simulated phones' sent texts. */
export type Sandbox = {
  /** The number texters text: the sandbox config's Twilio number. */
  serviceNumber: string;
  x: XStandIn;
  twilio: TwilioStandIn;
  /**
   * Texts `body` to the service from `from` as Twilio would: a signed webhook to the app's own /sms. Pictures
   * are stored on the Twilio stand-in first and linked from the webhook, as Twilio links MMS media.
   */
  text(from: string, body: string, pictures?: readonly SamplePicture[]): Promise<Response>;
  /** What `phone` sent, oldest first (the Twilio stand-in only sees what the service sends). */
  textsFrom(phone: string): PhoneText[];
  /** Numbers that have texted, most recent first. */
  phones(): string[];
};

/** Built only in sandbox mode, from the sandbox config (fake credentials, URLs on the app itself). */
export function createSandbox(config: Config, clock: Clock = systemClock): Sandbox {
  if (config.mode !== "sandbox") throw new Error("createSandbox needs a sandbox config");
  const twilio = createTwilioStandIn({ ...config.twilio, clock });
  // Its base path is where the app mounts it; media URLs it hands out are absolute under it.
  twilio.baseUrl = config.twilio.apiUrl;
  const x = createXStandIn({ clientId: config.x.clientId, clientSecret: config.x.clientSecret, clock });
  const self = new URL(config.twilio.apiUrl).origin;
  // Status callbacks are signed for PUBLIC_URL (perhaps a tunnel) and delivered to the app itself.
  twilio.callbacks.origin = self;
  // A simulated landline: texts to it are reported undelivered (30006), as Twilio reports them.
  twilio.callbacks.failDelivery(SANDBOX_LANDLINE, 30006);
  const serviceNumber = "phoneNumber" in config.twilio.sender ? config.twilio.sender.phoneNumber : "";
  const sent: PhoneText[] = [];
  // The sandbox validates too: what the real X or Twilio would refuse is said loudly on stderr.
  onContractViolation((violation) =>
    console.error(`sandbox.contract_violation ${describeViolation(violation)}`),
  );
  return {
    serviceNumber,
    x,
    twilio,
    async text(from, body, pictures = []) {
      const at = clock.now();
      // Twilio answers its keywords itself, then still calls the webhook.
      twilio.receive(from, serviceNumber, body);
      const response = await textApp(self, {
        publicUrl: config.publicUrl,
        authToken: config.twilio.authToken,
        accountSid: config.twilio.accountSid,
        from,
        to: serviceNumber,
        body,
        media: pictures.map((picture) => ({
          url: twilio.addMedia(picture.bytes, picture.contentType),
          contentType: picture.contentType,
        })),
      });
      if (response.ok) sent.push({ from, body, at, pictures: pictures.map((picture) => picture.label) });
      return response;
    },
    textsFrom: (phone) => sent.filter((text) => text.from === phone),
    phones: () => [...new Set(sent.map((text) => text.from).reverse())],
  };
}
