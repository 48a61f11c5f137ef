import type { Clock } from "../../clock";
import type { ContractViolation } from "../contract/violations";
import type { RawBody } from "../raw-body";
import type { StatusCallbacks } from "./status-callbacks";

export type { RawBody } from "../raw-body";

export type TwilioStandInOptions = {
  accountSid: string;
  authToken: string;
  clock?: Clock;
  /** Check requests and answers against Twilio's OpenAPI document (default on; benchmarks may turn it off). */
  validate?: boolean;
};

/** A message the stand-in accepted on its Messages endpoint. */
export type SentMessage = {
  sid: string;
  to: string;
  /** Null when sent through a Messaging Service without an explicit From. */
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  /** Epoch milliseconds, from the stand-in's clock. */
  createdAt: number;
  /** Where Twilio reports the text's delivery (`StatusCallback`); null when not asked. */
  statusCallback: string | null;
  /** Twilio's own answer to a keyword (STOP, START, HELP), not a message sent through the API. */
  automatic?: boolean;
};

export type RecordedRequest = {
  method: string;
  path: string;
  /** The query string without `?` (`""` when none), e.g. to see how a client serialised its list filters. */
  query: string;
  /** Whether an Authorization header came with it: lets tests prove credentials did not follow a redirect. */
  hasAuthorization: boolean;
};

/** A canned answer for the next request(s) to the Messages endpoint. */
export type InjectedResponse = {
  /** Which request it answers: sending (POST, the default) or listing (GET). */
  endpoint?: "create" | "list";
  /** Absent: Twilio's own answer, e.g. the real 201 held back by `delayMs`. */
  status?: number;
  /** Sent as JSON; a string is sent as is. Without `body` or `raw`: Twilio's error body for `status`. */
  body?: unknown;
  /** Sent verbatim instead of `body`: an HTML page, `OK`, an empty body (`{ body: "" }`). */
  raw?: RawBody;
  /** E.g. `location` for a redirect. */
  headers?: Record<string, string>;
  /** Send the message for real first, then answer with this: "Twilio accepted it, but the answer was lost". */
  afterHandling?: boolean;
  /**
   * Hold the answer this long. Whatever is handled (Twilio's own answer, or `afterHandling`) is handled first,
   * so a client that times out meanwhile has had its message accepted.
   */
  delayMs?: number;
  /**
   * Without `status`: Twilio's own answer with its JSON body changed by this, still held to Twilio's schema
   * (unlike a fault): shows that an answer the real Twilio could not give is caught.
   */
  rewrite?: (body: unknown) => unknown;
};

export interface TwilioStandIn {
  readonly accountSid: string;
  /** Origin (plus optional base path) the stand-in is reachable at; absolute URLs from `addMedia` start with it. */
  baseUrl: string;
  /** Origin the media redirect points at; null means the origin of the media request itself. */
  cdnUrl: string | null;
  /** Status callbacks for the texts it accepts: where they go, and numbers whose texts never arrive. */
  readonly callbacks: StatusCallbacks;
  /** Added latency on the Messages endpoint, to exercise client timeouts. */
  delayMs: number;
  readonly requests: readonly RecordedRequest[];
  handle(request: Request): Promise<Response>;
  /** Stores an attachment; returns its Twilio-style media URL (Basic auth, then a 307 to the bytes). */
  addMedia(bytes: Uint8Array, contentType: string): string;
  messages(): SentMessage[];
  messagesTo(phone: string): SentMessage[];
  /**
   * A text arriving at `to` from `from`, before Twilio hands it to the webhook: Twilio acts on its keywords
   * itself (blocks or unblocks the sender) and answers them with its default replies.
   */
  receive(from: string, to: string, body: string): void;
  optOut(phone: string): void;
  optIn(phone: string): void;
  isOptedOut(phone: string): boolean;
  /** Answers the next `times` requests on the response's endpoint with it. */
  failNext(response: InjectedResponse, times?: number): void;
  /** Drops every failure still queued: the outage is over. */
  recover(): void;
  /**
   * Requests and answers that broke Twilio's OpenAPI document since the last call: a test that provokes one on
   * purpose takes it (test support fails any test that leaves one behind).
   */
  takeViolations(): ContractViolation[];
}
