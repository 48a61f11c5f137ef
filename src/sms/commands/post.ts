import { posts } from "../../db/schema";
import type { Writer } from "../../db/transaction";
import type { MediaItem } from "../../delivery/inbox";
import { fetchPictures, type Picture } from "../../x/media";
import { replies } from "../replies";
import { sendLink } from "./link";
import { publish } from "./publish";
import { beginAttempt, finish, retryLater, type Step } from "./step";

/** A text (and its pictures) posted to X as sent. */
export async function postText(step: Step, text: string): Promise<void> {
  const pictures = await picturesOf(step, JSON.parse(step.message.media) as MediaItem[]);
  if (pictures === null) return;
  const mayBeRepeat = beginAttempt(step);
  const result = await publish(step.deps, step.message.phone, { text, pictures }, mayBeRepeat);
  switch (result.kind) {
    case "posted":
      return finish(step, "posted", {
        reply: replies.posted(result.handle, result.id),
        postId: result.id,
        write: (tx) => recordPost(tx, step.message.phone, result.id, step.deps.clock.now()),
      });
    case "posted_unknown":
      return finish(step, "posted_earlier", { reply: replies.postedEarlier(result.handle) });
    case "refused":
      return finish(step, `refused:${result.reason}`, { reply: replies.refused(result.reason) });
    case "disconnected":
      return sendLink(step, true);
    case "retry":
      return retryLater(step, result.retryAt, result.detail);
  }
}

/** The pictures of a text, fetched from Twilio; null when the step already finished or was rescheduled. */
export async function picturesOf(step: Step, media: readonly MediaItem[]): Promise<Picture[] | null> {
  if (media.length === 0) return [];
  const fetched = await fetchPictures(step.deps.sms, media);
  switch (fetched.kind) {
    case "ok":
      return fetched.pictures;
    case "unsupported":
      finish(step, "unsupported_media", { reply: replies.unsupportedMedia() });
      return null;
    case "gone":
      finish(step, "media_gone", { reply: replies.mediaUnavailable() });
      return null;
    case "unavailable":
      retryLater(step, null, fetched.detail);
      return null;
  }
}

/** Remembers a post made by SMS, for UNDO. */
export function recordPost(tx: Writer, phone: string, postId: string, now: number): void {
  tx.insert(posts).values({ phone, postId, createdAt: now }).run();
}
