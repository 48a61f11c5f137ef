import type { RecentPost, XUser } from "./gateway";

/**
 * Readers of X's success answers. twitter-api-v2 types them, but only X decides what arrives: a `{}` on
 * POST /2/tweets has no `data.id`, and that must be an outcome, not a TypeError.
 */
export type Read<T> = { ok: true; value: T } | { ok: false; detail: string };

type Json = Record<string, unknown>;

export function readPostId(answer: unknown): Read<{ id: string }> {
  const id = field(dataOf(answer), "id");
  return typeof id === "string" && id !== "" ? ok({ id }) : fail("a post answer without data.id");
}

/** X answers a post it cannot find with 200, `errors` and no `data` (a partial error), or with a 404. */
export function readPost(answer: unknown): Read<{ id: string; text: string } | null> {
  const data = dataOf(answer);
  const id = field(data, "id");
  const text = field(data, "text");
  if (typeof id === "string" && typeof text === "string") return ok({ id, text });
  if (data === undefined && isObject(answer) && Array.isArray(answer.errors)) return ok(null);
  return fail("a post answer without data.id and data.text, or errors");
}

export function readDeleted(answer: unknown): Read<boolean> {
  const deleted = field(dataOf(answer), "deleted");
  return typeof deleted === "boolean" ? ok(deleted) : fail("a delete answer without data.deleted");
}

export function readUser(answer: unknown): Read<XUser> {
  const data = dataOf(answer);
  const id = field(data, "id");
  const username = field(data, "username");
  return typeof id === "string" && typeof username === "string"
    ? ok({ id, username })
    : fail("a user answer without data.id and data.username");
}

export function readMediaId(answer: unknown): Read<string> {
  return typeof answer === "string" && answer !== "" ? ok(answer) : fail("an upload without a media id");
}

/** Any JSON object will do: revoking is best effort and X's `{"revoked": true}` adds nothing. */
export function readAnything(): Read<null> {
  return ok(null);
}

/** X omits `data` for an empty timeline and says so in `meta.result_count`; `{}` says nothing. */
export function readTimeline(answer: unknown): Read<RecentPost[]> {
  if (!isObject(answer)) return fail("a timeline that is not an object");
  const { data, meta } = answer;
  if (data === undefined) {
    return field(meta, "result_count") === 0 ? ok([]) : fail("a timeline without data or result_count 0");
  }
  if (!Array.isArray(data)) return fail("a timeline whose data is not a list");
  const posts: RecentPost[] = [];
  for (const item of data) {
    const post = readRecentPost(item);
    if (post === null) return fail("a timeline post without id, text or a valid created_at");
    posts.push(post);
  }
  return ok(posts);
}

function readRecentPost(item: unknown): RecentPost | null {
  if (!isObject(item)) return null;
  const { id, text, created_at: createdAt, attachments } = item;
  const created = typeof createdAt === "string" ? Date.parse(createdAt) : Number.NaN;
  if (typeof id !== "string" || typeof text !== "string" || !Number.isFinite(created)) return null;
  const keys = field(attachments, "media_keys");
  return { id, text, createdAt: created, mediaCount: Array.isArray(keys) ? keys.length : 0 };
}

function dataOf(answer: unknown): unknown {
  return field(answer, "data");
}

function field(value: unknown, name: string): unknown {
  return isObject(value) ? value[name] : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ok<T>(value: T): Read<T> {
  return { ok: true, value };
}

function fail<T>(what: string): Read<T> {
  return { ok: false, detail: `X answered ${what}` };
}
