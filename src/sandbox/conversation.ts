import type { Sandbox } from "./sandbox";

/** `twilio`: Twilio's own keyword replies (STOP, START, HELP), which real phones get from the same number. */
export type Bubble = {
  from: "phone" | "service" | "twilio";
  body: string;
  at: number;
  /** What the phone attached, by label. */
  pictures?: readonly string[];
  /** Twilio's error code when the text never reached the phone (a real phone would not show it at all). */
  undelivered?: number;
};

export type Segment = { text: string; href?: string };

const E164 = /^\+[1-9]\d{6,14}$/;
const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;
const X_POST = /^https:\/\/x\.com\/([A-Za-z0-9_]{1,15})\/status\/(\d{1,19})$/;
const X_PROFILE = /^https:\/\/x\.com\/([A-Za-z0-9_]{1,15})$/;

/** A number as people type it (spaces, dashes, brackets) in E.164, or null. */
export function normalizePhone(raw: string): string | null {
  const compact = raw.replace(/[\s\-().]/g, "");
  return E164.test(compact) ? compact : null;
}

/** Both sides of one phone's thread with the service, oldest first. */
export function conversation(sandbox: Sandbox, phone: string): Bubble[] {
  const sent: Bubble[] = sandbox
    .textsFrom(phone)
    .map(({ body, at, pictures }) => ({ from: "phone", body, at, pictures }));
  const failures = new Map(
    sandbox.twilio.callbacks.posted
      .filter((report) => report.errorCode !== null)
      .map((report) => [report.sid, report.errorCode ?? 0]),
  );
  const received: Bubble[] = sandbox.twilio.messagesTo(phone).map((message): Bubble => {
    const undelivered = failures.get(message.sid);
    return {
      from: message.automatic ? "twilio" : "service",
      body: message.body,
      at: message.createdAt,
      ...(undelivered === undefined ? {} : { undelivered }),
    };
  });
  // Stable sort: a reply recorded in the same millisecond as its text stays after it.
  return [...sent, ...received].sort((a, b) => a.at - b.at);
}

/** The phone just texted and nothing has come back yet: worth reloading for a while. */
export function awaitingReply(bubbles: readonly Bubble[], now: number, patienceMs = 20_000): boolean {
  const last = bubbles.at(-1);
  return last?.from === "phone" && now - last.at < patienceMs;
}

/** A first unused fictional number (555-01xx is reserved for fiction in North America). */
export function freshNumber(used: readonly string[]): string {
  for (let n = 100; n < 200; n++) {
    const phone = `+1415555${String(n).padStart(4, "0")}`;
    if (!used.includes(phone)) return phone;
  }
  return `+1415555${String(100 + Math.floor(Math.random() * 100)).padStart(4, "0")}`;
}

/**
 * Splits a text into plain runs and links. Links to x.com posts and profiles point at the fake X
 * timeline instead: the real x.com has never heard of sandbox posts.
 */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = match[0].replace(/[.,;:!?)]+$/, "");
    const start = match.index ?? 0;
    if (start > last) segments.push({ text: text.slice(last, start) });
    segments.push({ text: url, href: sandboxHref(url) });
    last = start + url.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

function sandboxHref(url: string): string {
  const post = X_POST.exec(url);
  if (post) return `/sandbox/timeline#post-${post[2]}`;
  const profile = X_PROFILE.exec(url);
  if (profile) return `/sandbox/timeline#account-${profile[1]?.toLowerCase()}`;
  return url;
}
