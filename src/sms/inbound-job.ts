import { getInbound } from "../db/inbound";
import { addJob } from "../db/jobs";
import { clearUndeliverable, ensureTexter } from "../db/texters";
import { maskPhone } from "../log";
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
import { checkPin, isLocked, lockCommand, lockedWithoutPin, withRemac } from "./commands/lock";
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
import { type Command, type Intent, interpret, type TexterState } from "./interpret";
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
      const message = await getInbound(db, job.payload.messageId);
      if (!message) return { kind: "done", detail: "erased" };
      await ensureTexter(db, message.phone, clock.now());
      const step = await loadStep(deps, job);
      if (!step) return { kind: "done", detail: "erased" };
      const { texter } = step;
      // A number that texts us can take texts again (unless the report came after this text).
      if (
        texter.undeliverableAt !== null &&
        (await clearUndeliverable(db, message.phone, message.receivedAt))
      ) {
        deps.logger.info("sms.deliverable_again", { to: maskPhone(message.phone) });
      }
      const hasMedia = message.media.length > 0;
      const state: TexterState = {
        connected: texter.refreshToken !== null,
        threadOpen: texter.threadOpenedAt !== null,
        deletePending:
          texter.deleteRequestedAt !== null &&
          clock.now() - texter.deleteRequestedAt <= DELETE_CONFIRM_WINDOW_MS,
        locked: isLocked(texter),
      };
      const intent = interpret(message.body, hasMedia, state);
      if (intent.kind !== "pin_attempt") return act(step, job, intent);
      // The PIN is checked here (Web Crypto is async; interpret stays pure), then the rest is read as a text.
      const gate = await checkPin(step, intent.pin);
      if (gate.kind === "shut") return gate.result;
      const unlocked = interpret(intent.rest, hasMedia, { ...state, locked: false });
      return withRemac(step, await act(step, job, unlocked), gate.remac);
    },
    onGiveUp: (job, giveUp, tx) => tellGaveUp(deps, job, giveUp, tx),
  };
}

function act(step: Step, job: Job<MessagePayload>, intent: Intent): JobResult | Promise<JobResult> {
  switch (intent.kind) {
    case "command":
      return COMMANDS[intent.command](step);
    case "lock":
      return lockCommand(step, intent.command, intent.pin);
    case "delete_cancelled":
      return cancelDelete(step);
    case "connect":
      return sendLink(step, false);
    case "empty":
      return finish(step, "empty", { reply: replies.empty() });
    case "too_long":
      return finish(step, "too_long", {
        reply: intent.inThread
          ? replies.partTooLong(intent.over, intent.fitting)
          : replies.tooLong(intent.over, intent.fitting),
      });
    case "invalid_character":
      return finish(step, "invalid_character", {
        reply: intent.inThread
          ? replies.partInvalidCharacter(intent.codePoint)
          : replies.invalidCharacter(intent.codePoint),
      });
    case "thread_part":
      return addPart(step, intent.text);
    case "post":
      return queuePost(step, job, intent.text);
    // A PIN is checked once, before the rest is read unlocked: a second one is not a PIN.
    case "pin_attempt":
    case "locked_without_pin":
      return lockedWithoutPin(step);
  }
}

function queuePost(step: Step, job: Job<MessagePayload>, text: string): JobResult {
  const payload: PostPayload = { messageId: job.payload.messageId, text };
  const now = step.deps.clock.now();
  return finish(step, "post_queued", {
    keepMedia: true,
    write: async (tx) => {
      await addJob(tx, { kind: POST_JOB, lane: xLane(step.message.phone), payload }, now);
    },
  });
}
