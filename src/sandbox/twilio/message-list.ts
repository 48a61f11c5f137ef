import { twilioError } from "./errors";
import { sentResource } from "./messages";
import type { SentMessage } from "./types";

const DAY_MS = 86_400_000;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** The instants a `DateSent` value stands for: a whole GMT day (`YYYY-MM-DD`) or one second. */
type Span = { from: number; until: number };

type Filters = {
  to: string | null;
  from: string | null;
  /** `DateSent>`: on or after. */
  after: Span | null;
  /** `DateSent<`: on or before. */
  before: Span | null;
  /** `DateSent`: within. */
  on: Span | null;
};

/** `GET .../Messages.json` once authenticated: one page of the account's messages, newest first. */
export function listMessages(
  query: URLSearchParams,
  messages: readonly SentMessage[],
  accountSid: string,
): Response {
  const pageSize = integerParam(query, "PageSize", DEFAULT_PAGE_SIZE);
  if (pageSize === null || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    return twilioError(400, 20001, `PageSize must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  const page = integerParam(query, "Page", 0);
  if (page === null || page < 0) return twilioError(400, 20001, "Page must be a non-negative integer");
  const filters = readFilters(query);
  if (typeof filters === "string") return twilioError(400, 20001, filters);

  // Reversed first so that messages created in the same millisecond still come newest first.
  const matching = [...messages]
    .reverse()
    .filter((message) => matches(message, filters))
    .sort((a, b) => b.createdAt - a.createdAt);
  const start = page * pageSize;
  const listed = matching.slice(start, start + pageSize);
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const pageUri = (index: number, token?: string): string => {
    const params = canonicalQuery(query);
    params.set("PageSize", String(pageSize));
    params.set("Page", String(index));
    if (token !== undefined) params.set("PageToken", token);
    return `${path}?${params}`;
  };
  const hasNext = matching.length > start + pageSize;
  return Response.json({
    messages: listed.map((message) => sentResource(message, accountSid)),
    end: listed.length === 0 ? start : start + listed.length - 1,
    first_page_uri: pageUri(0),
    next_page_uri: hasNext ? pageUri(page + 1, `PASM${page + 1}`) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? pageUri(page - 1, `PASM${page - 1}`) : null,
    start,
    uri: pageUri(page),
  });
}

function matches(message: SentMessage, filters: Filters): boolean {
  // date_sent is printed in whole seconds, and Twilio compares what it prints.
  const sent = Math.floor(message.createdAt / 1000) * 1000;
  if (filters.to !== null && message.to !== filters.to) return false;
  if (filters.from !== null && message.from !== filters.from) return false;
  if (filters.after !== null && sent < filters.after.from) return false;
  if (filters.before !== null && sent >= filters.before.until) return false;
  if (filters.on !== null && (sent < filters.on.from || sent >= filters.on.until)) return false;
  return true;
}

/** The filters, or what is wrong with them. */
function readFilters(query: URLSearchParams): Filters | string {
  const spans: Record<"DateSent>" | "DateSent<" | "DateSent", Span | null> = {
    "DateSent>": null,
    "DateSent<": null,
    DateSent: null,
  };
  for (const name of ["DateSent>", "DateSent<", "DateSent"] as const) {
    const value = query.get(name);
    if (value === null) continue;
    const span = spanOf(value);
    if (span === null) return `${name} is not a date: ${value}`;
    spans[name] = span;
  }
  return {
    to: query.get("To"),
    from: query.get("From"),
    after: spans["DateSent>"],
    before: spans["DateSent<"],
    on: spans.DateSent,
  };
}

/** Twilio takes `YYYY-MM-DD` (a GMT day) or a date-time (ISO 8601 as twilio-node sends it, or RFC 2822). */
function spanOf(value: string): Span | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isFinite(from) ? { from, until: from + DAY_MS } : null;
  }
  const at = Date.parse(value);
  if (!Number.isFinite(at)) return null;
  const from = Math.floor(at / 1000) * 1000;
  return { from, until: from + 1000 };
}

function integerParam(query: URLSearchParams, name: string, fallback: number): number | null {
  const value = query.get(name);
  if (value === null) return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** The filters in Twilio's order, for the page URIs. */
function canonicalQuery(query: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of ["To", "From", "DateSent", "DateSent<", "DateSent>"]) {
    const value = query.get(name);
    if (value !== null) params.set(name, value);
  }
  return params;
}
