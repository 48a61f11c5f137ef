/** What the rest of the app may ask of Twilio. Implemented over the twilio client in `send.ts`. */

export type SendOutcome =
  | { kind: "sent"; sid: string }
  /** Twilio error 21610: the recipient texted STOP. Never retry. */
  | { kind: "opted_out" }
  /** A 4xx Twilio will keep refusing (bad number, blocked region, ...). */
  | { kind: "rejected"; code: number | null; detail: string }
  /** 5xx, 429, timeout or network failure. */
  | { kind: "unavailable"; detail: string };

export interface SmsGateway {
  send(to: string, body: string): Promise<SendOutcome>;
  /** Fetches an MMS attachment from Twilio (Basic auth, redirects followed). */
  fetchMedia(
    url: string,
  ): Promise<
    | { kind: "ok"; bytes: Uint8Array; contentType: string }
    | { kind: "unavailable"; detail: string }
    | { kind: "rejected"; detail: string }
  >;
}
