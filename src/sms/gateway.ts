/** What the rest of the app may ask of Twilio. Implemented over the twilio client in `send.ts`. */

export type SendOutcome =
  /** Any 2xx: Twilio took the message. `sid` is null when the answer could not be read. */
  | { kind: "sent"; sid: string | null }
  /** Twilio error 21610: the recipient texted STOP. Never retry. */
  | { kind: "opted_out" }
  /** A 4xx Twilio will keep refusing (bad number, blocked region, ...). */
  | { kind: "rejected"; code: number | null; detail: string }
  /**
   * Not taken, as far as we know: 5xx, 429, a redirect, timeout or network failure. `ambiguous` when the request
   * may have reached Twilio (a timeout or reset after it was sent): ask `findSent` before sending again.
   * False when it certainly did not (connection refused, DNS, TLS, or Twilio's own error answer).
   */
  | { kind: "unavailable"; detail: string; ambiguous: boolean };

export type SentLookup =
  | { kind: "found"; sid: string }
  | { kind: "not_found" }
  | { kind: "unavailable"; detail: string };

export type MediaFetch =
  | { kind: "ok"; bytes: Uint8Array; contentType: string }
  | { kind: "unavailable"; detail: string }
  | { kind: "rejected"; detail: string }
  /** A URL we will not fetch (not on Twilio's API origin, not https, another scheme): the picture is skipped. */
  | { kind: "refused"; detail: string };

export interface SmsGateway {
  send(to: string, body: string): Promise<SendOutcome>;
  /**
   * A text to `to` with exactly `body` that Twilio has sent since `since` (epoch ms, second precision), newest
   * first: resolves a send whose answer was lost before it is sent again.
   */
  findSent(to: string, body: string, since: number): Promise<SentLookup>;
  /** Fetches an MMS attachment from Twilio (Basic auth, redirects followed). */
  fetchMedia(url: string): Promise<MediaFetch>;
}
