import { authenticate } from "./auth";
import { forbidden, invalidRequest, json, problem, readJsonObject } from "./http";
import { mediaKey } from "./media";
import type { PostInput, PostRefusal } from "./posts";
import type { StandInState } from "./state";
import { readTimelineQuery, timelineAnswer } from "./user-timeline";

export function meRoute(state: StandInState, request: Request): Response {
  const auth = authenticate(state, request, ["tweet.read", "users.read"]);
  if (!auth.ok) return auth.response;
  const { id, name, username } = auth.user;
  return json({ data: { id, name, username } });
}

const REFUSALS: Record<PostRefusal, () => Response> = {
  duplicate: () => forbidden("You are not allowed to create a Tweet with duplicate content."),
  // X answers 400 here, not 403, with its invalid-request body; the message is X's own wording.
  too_long: () =>
    invalidRequest(
      "Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text.",
    ),
  reply_target_missing: () =>
    forbidden("You attempted to reply to a Tweet that is deleted or not visible to you."),
  empty: () => invalidRequest("Post text or media is required.", { text: [""] }),
};

function readPostInput(body: Record<string, unknown>): PostInput | string {
  const { text = "", reply, media } = body;
  if (typeof text !== "string") return "text must be a string.";
  let replyTo: string | null = null;
  if (reply !== undefined) {
    const target = (reply as { in_reply_to_tweet_id?: unknown } | null)?.in_reply_to_tweet_id;
    if (typeof target !== "string" || !/^\d{1,19}$/.test(target))
      return "reply.in_reply_to_tweet_id is invalid.";
    replyTo = target;
  }
  let mediaIds: string[] = [];
  if (media !== undefined) {
    const ids = (media as { media_ids?: unknown } | null)?.media_ids;
    if (
      !Array.isArray(ids) ||
      ids.length < 1 ||
      ids.length > 4 ||
      !ids.every((id) => typeof id === "string")
    ) {
      return "media.media_ids must hold 1 to 4 ids.";
    }
    mediaIds = ids;
  }
  return { text, replyTo, mediaIds };
}

export async function createTweetRoute(state: StandInState, request: Request): Promise<Response> {
  const auth = authenticate(state, request, ["tweet.write"]);
  if (!auth.ok) return auth.response;
  const limitHeaders = state.tweetLimits.hit(auth.user.id);
  const body = await readJsonObject(request);
  if (!body) return invalidRequest("Request body must be a JSON object.");
  const input = readPostInput(body);
  if (typeof input === "string") return invalidRequest(input);
  // A GIF still processing (or failed) is as unknown to X's POST /2/tweets as an id never uploaded.
  const badMedia = input.mediaIds.filter(
    (id) => !state.media.usable(id) || state.media.get(id)?.ownerId !== auth.user.id,
  );
  if (badMedia.length > 0)
    return invalidRequest("Your media IDs are invalid.", { "media.media_ids": badMedia });
  const created = state.posts.create(auth.user, input);
  const response = created.ok
    ? json(
        { data: { id: created.post.id, text: created.post.text, edit_history_tweet_ids: [created.post.id] } },
        201,
      )
    : REFUSALS[created.refusal]();
  for (const [name, value] of Object.entries(limitHeaders)) response.headers.set(name, value);
  return response;
}

export function deleteTweetRoute(state: StandInState, request: Request, id: string): Response {
  const auth = authenticate(state, request, ["tweet.write"]);
  if (!auth.ok) return auth.response;
  const post = state.posts.get(id);
  if (!post || post.deleted) {
    return problem(404, "Not Found Error", `Could not find tweet with id: [${id}].`, {
      type: "https://api.x.com/2/problems/resource-not-found",
    });
  }
  if (post.authorId !== auth.user.id)
    return forbidden("You are not allowed to delete a Tweet you did not create.");
  state.posts.markDeleted(id);
  return json({ data: { deleted: true } });
}

/**
 * GET /2/tweets/:id. X answers a post it cannot show with 200 and a partial error (`errors`, no `data`),
 * as its documentation of GetPostsByIdResponse allows.
 */
export function tweetRoute(state: StandInState, request: Request, id: string): Response {
  const auth = authenticate(state, request, ["tweet.read", "users.read"]);
  if (!auth.ok) return auth.response;
  const post = state.posts.get(id);
  if (!post || post.deleted) {
    return json({
      errors: [
        {
          value: id,
          detail: `Could not find tweet with id: [${id}].`,
          title: "Not Found Error",
          resource_type: "tweet",
          parameter: "id",
          resource_id: id,
          type: "https://api.x.com/2/problems/resource-not-found",
        },
      ],
    });
  }
  return json({ data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } });
}

/** GET /2/users/:id/tweets: the user's live posts, newest first, as `user-timeline.ts` reads the query. */
export function userTimelineRoute(state: StandInState, request: Request, userId: string): Response {
  const auth = authenticate(state, request, ["tweet.read", "users.read"]);
  if (!auth.ok) return auth.response;
  const query = readTimelineQuery(new URL(request.url).searchParams);
  if (query instanceof Response) return query;
  const live = state.posts.all().filter((post) => post.authorId === userId && !post.deleted);
  const mediaKeyOf = (id: string): string => {
    const media = state.media.get(id);
    return media ? mediaKey(media) : `3_${id}`;
  };
  return json(timelineAnswer(live, query, mediaKeyOf));
}
