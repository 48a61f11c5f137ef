import { postIdsSince } from "../../db/posts";
import type { Job } from "../../queue/types";
import { asTexter } from "../../x/as-texter";
import type { Refusal, XOutcome } from "../../x/gateway";
import { type Picture, uploadPictures } from "../../x/media";
import type { StepDeps } from "./step";

export type Publication =
  | { kind: "posted"; id: string; handle: string }
  /** X called it a duplicate of our own earlier attempt, and the post could not be found again. */
  | { kind: "posted_unknown"; handle: string }
  | { kind: "refused"; reason: Refusal; detail: string; handle: string }
  | { kind: "disconnected" }
  | { kind: "retry"; retryAt: number | null; detail: string; ambiguous?: boolean }
  /** X answered something unreadable: the post may be up; the next attempt looks before posting. */
  | { kind: "unreadable"; detail: string };

export type Draft = { text: string; pictures: readonly Picture[]; replyTo?: string | undefined };

/** X's created_at has whole seconds, and its clock is not ours. */
const CLOCK_SKEW_MS = 5_000;

/**
 * Posts one draft as the texter, once. When an earlier attempt of this job may have reached X (a timeout,
 * an unreadable answer, a crash), the texter's recent posts are looked at first: a post made since that
 * attempt began, with this text and as many pictures, that we have not recorded, is that attempt's.
 * X's own "duplicate content" check cannot do this for a picture-only post.
 */
export async function publish(deps: StepDeps, phone: string, draft: Draft, job: Job): Promise<Publication> {
  const { x, keeper } = deps;
  const mayBeRepeat = job.uncertain;
  const result = await asTexter(keeper, phone, async (accessToken, account): Promise<XOutcome<string>> => {
    if (mayBeRepeat) {
      const found = await x.recentPosts(accessToken, account.userId, job.startedAt - CLOCK_SKEW_MS);
      if (found.kind !== "ok") return found;
      const known = await postIdsSince(deps.db, phone, job.startedAt - CLOCK_SKEW_MS);
      const mine = found.value.find(
        (post) =>
          !known.has(post.id) && post.mediaCount === draft.pictures.length && sameText(post.text, draft.text),
      );
      if (mine) return { kind: "ok", value: mine.id };
    }
    const mediaIds = await uploadPictures(x, accessToken, draft.pictures);
    if (mediaIds.kind !== "ok") return mediaIds;
    const posted = await x.post(accessToken, {
      text: draft.text,
      replyTo: draft.replyTo,
      mediaIds: mediaIds.value,
    });
    return posted.kind === "ok" ? { kind: "ok", value: posted.value.id } : posted;
  });
  switch (result.kind) {
    case "ok":
      return { kind: "posted", id: result.value, handle: result.account.handle };
    case "refused": {
      const { handle } = result.account;
      // Looked for and not found, yet X holds it: our earlier attempt landed outside the timeline's window.
      if (result.reason === "duplicate" && mayBeRepeat) return { kind: "posted_unknown", handle };
      return { kind: "refused", reason: result.reason, detail: result.detail, handle };
    }
    default:
      return result;
  }
}

/**
 * X rewrites links to t.co, appends a link for attached media and escapes &, < and >: compare texts
 * with every URL removed, entities unescaped and whitespace collapsed.
 */
export function sameText(posted: string, sent: string): boolean {
  const plain = (text: string): string =>
    text
      .replace(/https?:\/\/\S+/g, " ")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .replace(/\s+/g, " ")
      .trim();
  return plain(posted) === plain(sent);
}
