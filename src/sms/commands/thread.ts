import { addJob } from "../../db/jobs";
import { recordPost } from "../../db/posts";
import { setThreadOpenedAt } from "../../db/texters";
import {
  appendPart,
  dropOpenParts,
  dropPartsOfJob,
  handOpenParts,
  lastOpenPart,
  openPartCount,
  partsOfJob,
  removePart,
  setPartPostId,
} from "../../db/thread-parts";
import { transact, type Writer } from "../../db/transaction";
import type { JobHandler, JobResult } from "../../queue/types";
import { picturesAllowed } from "../../x/media";
import { replies } from "../replies";
import { afterPublish, picturesOf } from "./post";
import { overPostCap } from "./post-cap";
import { publish } from "./publish";
import { finish, loadStep, type MessagePayload, type Step, type StepDeps, tellGaveUp, xLane } from "./step";

/** Spec: a thread left open this long is discarded, with a text saying so. */
export const THREAD_TTL_MS = 24 * 60 * 60_000;

export const THREAD_JOB = "thread";

export async function startThread(step: Step): Promise<JobResult> {
  const { phone } = step.message;
  if (step.texter.threadOpenedAt !== null) {
    return finish(step, "thread_already_open", {
      reply: replies.threadAlreadyOpen(await openPartCount(step.deps.db, phone)),
    });
  }
  return finish(step, "thread_started", {
    reply: replies.threadStarted(),
    write: (tx) => setThreadOpenedAt(tx, phone, step.deps.clock.now()),
  });
}

/** Stores a part as it arrives (already length-checked); nothing reaches X before DONE. */
export async function addPart(step: Step, text: string): Promise<JobResult> {
  const { phone, media } = step.message;
  if (!picturesAllowed(media)) {
    return finish(step, "unsupported_media", { reply: replies.unsupportedMedia() });
  }
  // Counted before the commit: the lane reads one text at a time, so no other part races it.
  return finish(step, "thread_part", {
    reply: replies.partSaved((await openPartCount(step.deps.db, phone)) + 1),
    write: (tx) => appendPart(tx, { phone, body: text, media }, step.deps.clock.now()),
  });
}

/** UNDO inside an open thread: the last part goes, the published posts stay (spec: UNDO means the last thing you did). */
export async function removeLastPart(step: Step): Promise<JobResult> {
  const { phone } = step.message;
  const last = await lastOpenPart(step.deps.db, phone);
  if (!last) return finish(step, "no_part_to_undo", { reply: replies.noPartToUndo() });
  const position = await openPartCount(step.deps.db, phone);
  return finish(step, "part_removed", {
    reply: replies.partRemoved(position),
    write: (tx) => removePart(tx, last.id),
  });
}

export async function discardThread(step: Step): Promise<JobResult> {
  if (step.texter.threadOpenedAt === null) return finish(step, "no_thread", { reply: replies.noThread() });
  const parts = await openPartCount(step.deps.db, step.message.phone);
  return finish(step, "thread_discarded", {
    reply: replies.threadDiscarded(parts),
    write: async (tx) => {
      await closeThread(tx, step.message.phone);
    },
  });
}

/**
 * DONE: the thread is closed now (later texts are posts again) and its parts go to a `thread` job in the
 * number's X lane, behind any post still waiting there; the reply comes when X has them.
 */
export async function finishThread(step: Step): Promise<JobResult> {
  const { phone } = step.message;
  if (step.texter.threadOpenedAt === null) return finish(step, "no_thread", { reply: replies.noThread() });
  if ((await openPartCount(step.deps.db, phone)) === 0)
    return finish(step, "thread_empty", { reply: replies.threadEmpty() });
  const now = step.deps.clock.now();
  return finish(step, "thread_queued", {
    write: async (tx) => {
      const jobId = await addJob(
        tx,
        { kind: THREAD_JOB, lane: xLane(phone), payload: { messageId: step.message.id } },
        now,
      );
      await handOpenParts(tx, phone, jobId);
      await setThreadOpenedAt(tx, phone, null);
    },
  });
}

/**
 * Posts a thread's parts as a reply chain, in order. Each part's post id is stored as soon as X answers,
 * so a crash or a retry resumes with the first part not yet posted and never reposts one.
 */
export function threadJob(deps: StepDeps): JobHandler<MessagePayload> {
  const { db, clock } = deps;
  return {
    async run(job): Promise<JobResult> {
      const step = await loadStep(deps, job);
      if (!step) return { kind: "done", detail: "erased" };
      const { phone } = step.message;
      const parts = await partsOfJob(db, job.id);
      const done = async (tx: Writer): Promise<void> => {
        await dropPartsOfJob(tx, job.id);
      };
      // Each part is a post X bills: the thread goes up whole or not at all, never cut off at the cap.
      // One under way (an earlier attempt posted parts) had room for all then, and is finished.
      const capped =
        parts.every((part) => part.postId === null) && (await overPostCap(step, parts.length, done));
      if (capped) return capped;
      let previous = parts.findLast((part) => part.postId !== null)?.postId ?? undefined;
      let handle = step.texter.xHandle ?? "";
      for (const [index, part] of parts.entries()) {
        if (part.postId !== null) continue;
        const fetched = await picturesOf(step, part.media);
        if ("kind" in fetched) return alsoOnDone(fetched, done);
        const { pictures } = fetched;
        const result = await publish(deps, phone, { text: part.body, pictures, replyTo: previous }, job);
        if (result.kind === "refused") {
          const first = parts[0]?.postId ?? null;
          return finish(step, `thread_refused:${result.reason}`, {
            reply: replies.threadStopped(result.handle, first, index + 1, result.reason),
            refused: true,
            why: result.detail,
            write: done,
          });
        }
        if (result.kind !== "posted" && result.kind !== "posted_unknown") {
          const ended = await afterPublish(step, result, part.body, () => ({
            kind: "fault",
            reason: "unreachable",
          }));
          return alsoOnDone(ended, done);
        }
        handle = result.handle;
        // Lost answer and not found again: chain the rest to the last part we know.
        if (result.kind === "posted_unknown") continue;
        const id = result.id;
        await transact(db, async (tx) => {
          await setPartPostId(tx, part.id, id);
          await recordPost(tx, phone, id, clock.now());
        });
        part.postId = id;
        previous = id;
      }
      const first = parts.find((part) => part.postId !== null)?.postId ?? null;
      return finish(step, "thread_posted", {
        reply: first
          ? replies.threadPosted(handle, first, parts.length)
          : replies.postedEarlier(handle, parts[0]?.body ?? ""),
        postId: first ?? undefined,
        write: done,
      });
    },
    async onGiveUp(job, giveUp, tx) {
      await dropPartsOfJob(tx, job.id);
      await tellGaveUp(deps, job, giveUp, tx);
    },
  };
}

/** A thread that ends without being posted (pictures refused, the texter disconnected) drops its parts too. */
function alsoOnDone(result: JobResult, effects: (tx: Writer) => Promise<void>): JobResult {
  if (result.kind !== "done") return result;
  const write = result.write;
  return {
    ...result,
    write: async (tx) => {
      await write?.(tx);
      await effects(tx);
    },
  };
}

/** Drops the parts being collected and closes the thread; returns how many parts were dropped. */
export async function closeThread(tx: Writer, phone: string): Promise<number> {
  const dropped = await dropOpenParts(tx, phone);
  await setThreadOpenedAt(tx, phone, null);
  return dropped;
}
