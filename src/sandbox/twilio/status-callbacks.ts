import twilio from "twilio";
import type { SentMessage } from "./types";

/** How a text to a number ends at its carrier, when it does not arrive. */
export type DeliveryFailure = { status: "undelivered" | "failed"; code: number };

/** A status callback the stand-in made: what it reported, and how the app answered (or that it could not). */
export type PostedCallback = {
  sid: string;
  to: string;
  status: "sent" | "delivered" | "undelivered" | "failed";
  errorCode: number | null;
  answer: number | "unreachable";
};

/**
 * Twilio's status callbacks for the texts the stand-in accepted with a `StatusCallback`: after answering the
 * create, a form-encoded POST signed with `X-Twilio-Signature` over the URL as given, per status change —
 * `sent`, then `delivered` or `undelivered` (with `ErrorCode`); or `failed` alone when the text never left.
 * Twilio sends none for the initial `queued` ("Outbound Message Status in Status Callbacks", Twilio docs).
 */
export class StatusCallbacks {
  /**
   * Where callbacks are really sent: the app under test listens on loopback while the URL it signs is
   * PUBLIC_URL. Null: the StatusCallback URL itself.
   */
  origin: string | null = null;
  /** False: no callbacks at all (the bench, whose apps' PUBLIC_URL resolves nowhere). */
  enabled = true;
  /** The carrier's pace between status changes; callbacks never beat the create's answer. */
  delayMs = 100;
  readonly posted: PostedCallback[] = [];
  readonly #failures = new Map<string, DeliveryFailure>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly accountSid: string,
    private readonly authToken: string,
  ) {}

  /** Texts to `phone` end as Twilio reports a dead number: `undelivered` with `code` (e.g. 30003). */
  failDelivery(phone: string, code: number, status: DeliveryFailure["status"] = "undelivered"): void {
    this.#failures.set(phone, { status, code });
  }

  restoreDelivery(phone: string): void {
    this.#failures.delete(phone);
  }

  /** Reports on `message` in the background, if it asked for callbacks. */
  schedule(message: SentMessage): void {
    if (!this.enabled || message.statusCallback === null) return;
    const report = this.#report(message, message.statusCallback).finally(() => this.#inFlight.delete(report));
    this.#inFlight.add(report);
  }

  /** Resolves once every callback scheduled so far has been answered (or could not be made). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #report(message: SentMessage, url: string): Promise<void> {
    const failure = this.#failures.get(message.to);
    const steps: [PostedCallback["status"], number | null][] =
      failure === undefined
        ? [
            ["sent", null],
            ["delivered", null],
          ]
        : failure.status === "failed"
          ? [["failed", failure.code]]
          : [
              ["sent", null],
              ["undelivered", failure.code],
            ];
    for (const [status, errorCode] of steps) {
      await Bun.sleep(this.delayMs);
      const answer = await this.#post(url, callbackParams(message, this.accountSid, status, errorCode));
      this.posted.push({ sid: message.sid, to: message.to, status, errorCode, answer });
    }
  }

  async #post(url: string, params: Record<string, string>): Promise<number | "unreachable"> {
    const target = this.origin === null ? url : rebase(url, this.origin);
    try {
      const response = await fetch(target, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "X-Twilio-Signature": twilio.getExpectedTwilioSignature(this.authToken, url, params),
          "User-Agent": "TwilioProxy/1.1",
        },
        body: new URLSearchParams(params).toString(),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      // Twilio logs error 11200 in the console and does not try again.
      return "unreachable";
    }
  }
}

/** The parameters of Twilio's SMS status callback, in Twilio's order. */
export function callbackParams(
  message: Pick<SentMessage, "sid" | "to" | "from" | "messagingServiceSid">,
  accountSid: string,
  status: PostedCallback["status"],
  errorCode: number | null,
): Record<string, string> {
  return {
    ...(errorCode === null ? {} : { ErrorCode: String(errorCode) }),
    SmsSid: message.sid,
    SmsStatus: status,
    MessageStatus: status,
    To: message.to,
    ...(message.messagingServiceSid === null ? {} : { MessagingServiceSid: message.messagingServiceSid }),
    MessageSid: message.sid,
    AccountSid: accountSid,
    ...(message.from === null ? {} : { From: message.from }),
    ApiVersion: "2010-04-01",
  };
}

function rebase(url: string, origin: string): string {
  const parsed = new URL(url);
  return `${origin.replace(/\/+$/, "")}${parsed.pathname}${parsed.search}`;
}
