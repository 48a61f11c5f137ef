import { getInbound } from "../db/inbound";
import { addJob } from "../db/jobs";
import { texters } from "../db/schema";
import type { Job, JobHandler, JobResult } from "../queue/types";
import {
  cancelDelete,
  confirmDelete,
  DELETE_CONFIRM_WINDOW_MS,
  help,
  logout,
  optIn,
  optOut,
  requestDelete,
  status,
  undo,
} from "./commands/account";
import { sendLink } from "./commands/link";
import { POST_JOB, type PostPayload } from "./commands/post";
import {
  finish,
  loadStep,
  type MessagePayload,
  type Step,
  type StepDeps,
  tellGaveUp,
  xLane,
} from "./commands/step";
import { addPart, discardThread, finishThread, startThread } from "./commands/thread";
import { type Command, interpret } from "./interpret";
import { replies } from "./replies";

const COMMANDS: Record<Command, (step: Step) => JobResult | Promise<JobResult>> = {
  help,
  status,
  thread_start: startThread,
  thread_done: finishThread,
  thread_discard: discardThread,
  undo,
  logout,
  delete_request: requestDelete,
  delete_confirm: confirmDelete,
  opt_out: optOut,
  opt_in: optIn,
};

/**
 * Reads one text in its number's text lane and applies what it means at once: commands are answered,
 * state changes, and a post is handed to the number's X lane, where only the call to X waits
 * (spec: order of meaning). Nothing here waits on X, so STATUS or STOP is never held behind a post.
 */
export function inboundJob(deps: StepDeps): JobHandler<MessagePayload> {
  const { db, clock } = deps;
  return {
    async run(job): Promise<JobResult> {
      const message = getInbound(db, job.payload.messageId);
      if (!message) return { kind: "done", detail: "erased" };
      db.insert(texters).values({ phone: message.phone, createdAt: clock.now() }).onConflictDoNothing().run();
      const step = loadStep(deps, job);
      if (!step) return { kind: "done", detail: "erased" };
      const { texter } = step;
      const intent = interpret(message.body, message.media !== "[]", {
        connected: texter.refreshToken !== null,
        threadOpen: texter.threadOpenedAt !== null,
        deletePending:
          texter.deleteRequestedAt !== null &&
          clock.now() - texter.deleteRequestedAt <= DELETE_CONFIRM_WINDOW_MS,
      });
      switch (intent.kind) {
        case "command":
          return COMMANDS[intent.command](step);
        case "delete_cancelled":
          return cancelDelete(step);
        case "connect":
          return sendLink(step, false);
        case "empty":
          return finish(step, "empty");
        case "too_long":
          return finish(step, "too_long", {
            reply: intent.inThread
              ? replies.partTooLong(intent.over, intent.fitting)
              : replies.tooLong(intent.over, intent.fitting),
          });
        case "thread_part":
          return addPart(step, intent.text);
        case "post":
          return queuePost(step, job, intent.text);
      }
    },
    onGiveUp: (job, giveUp, tx) => tellGaveUp(deps, job, giveUp, tx),
  };
}

function queuePost(step: Step, job: Job<MessagePayload>, text: string): JobResult {
  const payload: PostPayload = { messageId: job.payload.messageId, text };
  const now = step.deps.clock.now();
  return finish(step, "post_queued", {
    keepMedia: true,
    write: (tx) => void addJob(tx, { kind: POST_JOB, lane: xLane(step.message.phone), payload }, now),
  });
}
