import type { MediaItem } from "../../db/inbound";
import { recordPost } from "../../db/posts";
import type { JobHandler, JobResult } from "../../queue/types";
import type { Picture } from "../../x/media";
import { fetchPictures } from "../pictures";
import { replies } from "../replies";
import { sendLink } from "./link";
import { overPostCap } from "./post-cap";
import { type Publication, publish } from "./publish";
import {
  finish,
  loadStep,
  type MessagePayload,
  retryLater,
  type Step,
  type StepDeps,
  tellGaveUp,
} from "./step";

export const POST_JOB = "post";

export type PostPayload = MessagePayload & { text: string };

/** A text (and its pictures) posted to X as sent: the job a post waits in its number's X lane as. */
export function postJob(deps: StepDeps): JobHandler<PostPayload> {
  return {
    async run(job): Promise<JobResult> {
      const step = await loadStep(deps, job);
      if (!step) return { kind: "done", detail: "erased" };
      // Checked before the pictures are fetched: a post past the day's cap costs nothing at all.
      const capped = await overPostCap(step, 1);
      if (capped) return capped;
      const fetched = await picturesOf(step, step.message.media);
      if ("kind" in fetched) return fetched;
      const { pictures, skipped } = fetched;
      const { text } = job.payload;
      // Every picture refused and nothing else to post: say so rather than post an empty text.
      if (pictures.length === 0 && text.trim() === "") {
        return finish(step, "media_refused", { reply: replies.mediaUnavailable() });
      }
      const result = await publish(deps, step.message.phone, { text, pictures }, job);
      return afterPublish(step, result, text, (posted) =>
        finish(step, "posted", {
          reply: replies.posted(posted.handle, posted.id, text, skipped),
          postId: posted.id,
          write: (tx) => recordPost(tx, step.message.phone, posted.id, deps.clock.now()),
        }),
      );
    },
    onGiveUp: (job, giveUp, tx) => tellGaveUp(deps, job, giveUp, tx),
    erasePayload: true,
  };
}

/** Every way a publication can end but success, the same for a post and a thread part. */
export async function afterPublish(
  step: Step,
  result: Publication,
  /** What was posted, for the confirmation's quote. */
  text: string,
  posted: (result: { id: string; handle: string }) => JobResult,
): Promise<JobResult> {
  switch (result.kind) {
    case "posted":
      return posted(result);
    case "posted_unknown":
      return finish(step, "posted_earlier", { reply: replies.postedEarlier(result.handle, text) });
    case "refused":
      return finish(step, `refused:${result.reason}`, {
        reply: replies.refused(result.reason),
        refused: true,
        why: result.detail,
      });
    case "disconnected":
      return sendLink(step, true);
    case "retry":
      return {
        kind: "retry",
        reason: result.detail,
        at: result.retryAt,
        uncertain: result.ambiguous === true,
      };
    case "unreadable":
      return { kind: "fault", reason: `X: ${result.detail}` };
  }
}

/** The pictures of a text, fetched from Twilio; or how the job ends when they cannot be. */
export async function picturesOf(
  step: Step,
  media: readonly MediaItem[],
): Promise<{ pictures: Picture[]; skipped: number } | JobResult> {
  if (media.length === 0) return { pictures: [], skipped: 0 };
  const fetched = await fetchPictures(step.deps.sms, media);
  switch (fetched.kind) {
    case "ok":
      return { pictures: fetched.pictures, skipped: fetched.skipped };
    case "unsupported":
      return finish(step, "unsupported_media", { reply: replies.unsupportedMedia() });
    case "gone":
      return finish(step, "media_gone", { reply: replies.mediaUnavailable() });
    case "unavailable":
      return retryLater(null, fetched.detail);
  }
}
