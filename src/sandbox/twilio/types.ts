import type { Clock } from "../../clock";

export type TwilioStandInOptions = { accountSid: string; authToken: string; clock?: Clock };

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
};

export type RecordedRequest = {
  method: string;
  path: string;
  /** Whether an Authorization header came with it: lets tests prove credentials did not follow a redirect. */
  hasAuthorization: boolean;
};

/** A canned answer for the next request(s) to the Messages endpoint. */
export type InjectedResponse = { status: number; body?: unknown; headers?: Record<string, string> };

export interface TwilioStandIn {
  readonly accountSid: string;
  /** Origin (plus optional base path) the stand-in is reachable at; absolute URLs from `addMedia` start with it. */
  baseUrl: string;
  /** Origin the media redirect points at; null means the origin of the media request itself. */
  cdnUrl: string | null;
  /** Added latency on the Messages endpoint, to exercise client timeouts. */
  delayMs: number;
  readonly requests: readonly RecordedRequest[];
  handle(request: Request): Promise<Response>;
  /** Stores an attachment; returns its Twilio-style media URL (Basic auth, then a 307 to the bytes). */
  addMedia(bytes: Uint8Array, contentType: string): string;
  messages(): SentMessage[];
  messagesTo(phone: string): SentMessage[];
  optOut(phone: string): void;
  optIn(phone: string): void;
  isOptedOut(phone: string): boolean;
  failNext(response: InjectedResponse, times?: number): void;
  /** Drops every failure still queued: the outage is over. */
  recover(): void;
}
