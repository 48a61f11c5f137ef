import { invalidRequest } from "./http";
import type { StoredPost } from "./types";

/** GET /2/users/:id/tweets, once its query has been checked. */
export type TimelineQuery = {
  max: number;
  /** Epoch ms, whole seconds: X's `start_time` is second-granular and inclusive. */
  startTime: number | null;
  fields: ReadonlySet<string>;
};

/**
 * Post field names: X's OpenAPI (2.167) `post.fields` enum and `Post` properties, plus the tweet-era names
 * X still answers to. Any other name is a 400 at X.
 */
const POST_FIELDS = new Set([
  "article",
  "article_title",
  "attachments",
  "author_id",
  "card_uri",
  "community_id",
  "context_annotations",
  "conversation_id",
  "created_at",
  "display_text_range",
  "edit_controls",
  "edit_history_post_ids",
  "edit_history_tweet_ids",
  "entities",
  "geo",
  "id",
  "in_reply_to_user_id",
  "lang",
  "matched_media_notes",
  "media_metadata",
  "non_public_metrics",
  "note_post",
  "note_request_suggestions",
  "note_tweet",
  "organic_metrics",
  "paid_partnership",
  "possibly_sensitive",
  "promoted_metrics",
  "public_metrics",
  "referenced_posts",
  "referenced_tweets",
  "reply_settings",
  "scopes",
  "source",
  "suggested_source_links",
  "suggested_source_links_with_counts",
  "text",
  "withheld",
]);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** The query as X reads it, or X's 400. */
export function readTimelineQuery(params: URLSearchParams): TimelineQuery | Response {
  const max = Number(params.get("max_results") ?? "10");
  if (!Number.isInteger(max) || max < 5 || max > 100) {
    return invalidRequest("The `max_results` query parameter value is not between 5 and 100", {
      max_results: [String(max)],
    });
  }
  const start = params.get("start_time");
  const startMs = start === null ? null : Date.parse(start);
  if (start !== null && (!RFC3339.test(start) || !Number.isFinite(startMs))) {
    return invalidRequest(`Invalid 'start_time':'${start}'. 'start_time' must be an RFC 3339 date-time.`, {
      start_time: [start],
    });
  }
  // The xdk spec calls the parameter post.fields; twitter-api-v2 and X's docs say tweet.fields.
  const fields = new Set<string>();
  for (const name of ["tweet.fields", "post.fields"]) {
    const value = params.get(name);
    if (value === null) continue;
    const unknown = value.split(",").filter((field) => !POST_FIELDS.has(field));
    if (unknown.length > 0) {
      return invalidRequest(`The \`${name}\` query parameter value [${unknown.join(",")}] is not valid`, {
        [name]: [value],
      });
    }
    for (const field of value.split(",")) fields.add(field);
  }
  const startTime = startMs === null ? null : Math.floor(startMs / 1000) * 1000;
  return { max, startTime, fields };
}

/**
 * X's answer for the user's live posts (newest first): `created_at` and `attachments` only when asked for,
 * and no `data` at all when nothing matches.
 */
export function timelineAnswer(
  posts: readonly StoredPost[],
  query: TimelineQuery,
  mediaKeyOf: (mediaId: string) => string,
): Record<string, unknown> {
  // Reversed first so that posts made in the same millisecond still come newest first.
  const chosen = [...posts]
    .reverse()
    .filter((post) => query.startTime === null || post.createdAt >= query.startTime)
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, query.max);
  if (chosen.length === 0) return { meta: { result_count: 0 } };
  const data = chosen.map((post) => ({
    id: post.id,
    text: post.text,
    edit_history_tweet_ids: [post.id],
    ...(query.fields.has("created_at") ? { created_at: xTime(post.createdAt) } : {}),
    ...(query.fields.has("attachments") && post.mediaIds.length > 0
      ? { attachments: { media_keys: post.mediaIds.map(mediaKeyOf) } }
      : {}),
  }));
  return {
    data,
    meta: { result_count: data.length, newest_id: data[0]?.id, oldest_id: data.at(-1)?.id },
  };
}

/** X stores creation times in whole seconds and prints them with `.000`. */
function xTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString();
}
