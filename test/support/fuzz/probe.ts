import fc from "fast-check";

/** One request the fuzz sends, as plain data (fast-check shrinks and prints it), and what it may do. */
export type Probe = {
  /** The route of the fuzz table it was made for (the tally of answers is kept by it). */
  route?: string;
  method: string;
  /** Path and query, already percent-encoded where a real client would encode them. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Filler appended to a form body when sent (`&Pad=xxx…`): oversize, yet short when a failure is printed. */
  padding?: number;
  /** X takes part in the answer (a live sign-in): a 502 page saying X is in trouble is then the right answer. */
  upstream?: true;
  /**
   * Whether the request may store anything: it carries a signature Twilio's own library accepts, or a
   * live link or sign-in. Everything else must leave every table as it was.
   */
  mayStore: boolean;
};

/** What the app under test knows and what the fuzz may use to get past its first checks. */
export type FuzzWorld = {
  publicUrl: string;
  authToken: string;
  accountSid: string;
  serviceNumber: string;
  /** Paths of one-time links that work (`/auth/<token>`). */
  links: string[];
  /** Sign-ins started at X whose state and cookie match. */
  signIns: { state: string; cookie: string }[];
  /** MessageSids of texts the app sent: status callbacks about them reach past the unknown-sid check. */
  sentSids: string[];
};

/** A route of the fuzz: how often it is picked, and how its requests are made. */
export type FuzzRoute = { name: string; weight: number; probe: (world: FuzzWorld) => fc.Arbitrary<Probe> };

export function toRequest(origin: string, probe: Probe): Request {
  const bodyless = probe.method === "GET" || probe.method === "HEAD";
  const body =
    typeof probe.body === "string" && probe.padding
      ? `${probe.body}&Pad=${"x".repeat(probe.padding)}`
      : probe.body;
  return new Request(`${origin}${probe.path}`, {
    method: probe.method,
    headers: probe.headers,
    ...(bodyless || body === undefined ? {} : { body: body as BodyInit }),
  });
}

/** Header values a client can actually send: printable ASCII (Headers refuses control characters). */
export const headerValue = fc.string({ unit: "grapheme-ascii", maxLength: 80 });

/** Text as people and scanners type it: any Unicode, emoji and combining marks included. */
export const anyText = fc.string({ unit: "grapheme", maxLength: 200 });

/** Bodies that are not forms at all. */
export const junkBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 2_048 }),
  anyText,
  fc.constant(""),
  fc.json(),
);

export const contentTypes = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/x-www-form-urlencoded") },
  fc.constantFrom(
    "application/x-www-form-urlencoded; charset=utf-8",
    "APPLICATION/X-WWW-FORM-URLENCODED",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "",
  ),
  headerValue,
);

/** A segment of a path: shaped like ours, or anything at all, percent-encoded as a browser would. */
export const pathSegment = fc.oneof(
  fc.constantFrom(
    "sms",
    "auth",
    "callback",
    "status",
    "healthz",
    "public",
    "sandbox",
    "..",
    ".",
    "%2e%2e",
    "%00",
    "",
  ),
  fc.string({ unit: "grapheme", maxLength: 30 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
);
