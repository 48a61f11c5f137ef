/** What the rest of the app may ask of Twilio. Implemented over the twilio client in `send.ts`. */

export type SendOutcome =
  /** Twilio's 2xx is acceptance, even when its body could not be read (then `sid` is null). */
  | { kind: "sent"; sid: string | null }
  /** Twilio error 21610: the recipient texted STOP. Never retry. */
  | { kind: "opted_out" }
  /** A 4xx Twilio will keep refusing (bad number, blocked region, ...). */
  | { kind: "rejected"; code: number | null; detail: string }
  /** 5xx, 429, timeout or network failure; `ambiguous` when the request may have reached Twilio. */
  | { kind: "unavailable"; detail: string; ambiguous: boolean };

export interface SmsGateway {
  send(to: string, body: string): Promise<SendOutcome>;
  /** Looks for a text already sent to `to` with this body since `since`: resolves a send whose answer was lost. */
  findSent(
    to: string,
    body: string,
    since: number,
  ): Promise<{ kind: "found"; sid: string } | { kind: "not_found" } | { kind: "unavailable"; detail: string }>;
  /** Fetches an MMS attachment from Twilio (Basic auth, redirects followed). */
  fetchMedia(
    url: string,
  ): Promise<
    | { kind: "ok"; bytes: Uint8Array; contentType: string }
    | { kind: "unavailable"; detail: string }
    | { kind: "rejected"; detail: string }
  >;
}
