import { eraseNumber } from "../../db/erase";
import { eraseInbound } from "../../db/inbound";
import { addJob, cancelJobs, type QueuedJob, queuedInLane } from "../../db/jobs";
import { countQueuedSince, enqueueText } from "../../db/outbound";
import { latestLivePost, markPostDeleted } from "../../db/posts";
import { forgetTokens, getTexter, setDeleteRequestedAt, setOptedOut } from "../../db/texters";
import { dropPartsOfJob, openPartCount } from "../../db/thread-parts";
import type { Writer } from "../../db/transaction";
import { maskPhone } from "../../log";
import type { JobHandler, JobResult } from "../../queue/types";
import { asTexter } from "../../x/as-texter";
import type { XOutcome } from "../../x/gateway";
import { twilioAnswers } from "../interpret";
import { LIMIT_WINDOW_MS } from "../limits";
import { replies } from "../replies";
import { sendLink } from "./link";
import { isLocked } from "./lock";
import { POST_JOB } from "./post";
import { REVOKE_JOB } from "./revoke";
import {
  finish,
  loadStep,
  type MessagePayload,
  retryLater,
  type Step,
  type StepDeps,
  tellGaveUp,
  xLane,
} from "./step";
import { closeThread, removeLastPart, THREAD_JOB } from "./thread";

/** Spec: CONFIRM must follow DELETE within ten minutes. */
export const DELETE_CONFIRM_WINDOW_MS = 10 * 60_000;

export const UNDO_JOB = "undo";

/**
 * HELP/INFO: the commands, a few times an hour per number. Past that HELP is still recognised and
 * nothing goes out: our answer is a text (two segments when connected) that anyone can ask for over and
 * over from many numbers. Twilio answers the bare word itself all the same (spec: Twilio's keywords).
 */
export async function help(step: Step): Promise<JobResult> {
  const { db, clock, limits } = step.deps;
  // The number's texts are read one at a time, so counting before the commit cannot race another HELP.
  const answered = await countQueuedSince(db, step.message.phone, "help", clock.now() - LIMIT_WINDOW_MS);
  if (answered >= limits.helpPerNumberPerHour) return finish(step, "help_limited");
  const connected = step.texter.refreshToken !== null;
  return finish(step, "help", {
    reply: connected ? replies.help() : replies.helpUnconnected(),
    replyKind: "help",
  });
}

export async function status(step: Step): Promise<JobResult> {
  const { texter } = step;
  const connected = texter.refreshToken !== null ? texter.xHandle : null;
  const parts = texter.threadOpenedAt === null ? null : await openPartCount(step.deps.db, texter.phone);
  return finish(step, "status", { reply: replies.status(connected, parts, isLocked(texter)) });
}

/** Twilio already blocks texts to the number; we record it so nothing is even attempted. */
export function optOut(step: Step): JobResult {
  const { phone } = step.message;
  // Twilio answers a bare STOP itself and blocks the number; a variant it ignored (`Stop.`) gets our answer.
  const confirm = !twilioAnswers(step.message.body);
  return finish(step, "opted_out", {
    write: async (tx) => {
      // CANCEL is one of Twilio's words: opting out also calls off a pending DELETE.
      await setOptedOut(tx, phone, true);
      if (!confirm) return;
      const confirmation = { phone, body: replies.optedOut(), kind: "opt_out_confirmation" as const };
      await enqueueText(tx, confirmation, step.deps.clock.now());
    },
  });
}

export function optIn(step: Step): JobResult {
  return finish(step, "opted_in", {
    // Twilio answers a bare START itself; only a variant it ignored ("Start!") gets our welcome back.
    reply: twilioAnswers(step.message.body) ? null : replies.welcomeBack(),
    write: (tx) => setOptedOut(tx, step.message.phone, false),
  });
}

/**
 * UNDO takes back the newest post still waiting for X, if there is one (it is simply not posted);
 * otherwise an `undo` job in the X lane deletes the latest post, after any post being made right now.
 * Decided inside the commit: a post that started meanwhile is past recall and the job deletes it instead.
 */
export async function undo(step: Step): Promise<JobResult> {
  if (step.texter.threadOpenedAt !== null) return removeLastPart(step);
  const { phone } = step.message;
  const now = step.deps.clock.now();
  return finish(step, "undo", {
    write: async (tx) => {
      const waiting = (await queuedInLane(tx, xLane(phone))).findLast(
        (job) => job.kind === POST_JOB || job.kind === THREAD_JOB,
      );
      // A post whose earlier try may have reached X cannot be taken back unseen: the undo job runs after it.
      if (waiting && !waiting.uncertain) {
        await cancelQueued(tx, xLane(phone), [waiting], "undone", now);
        await enqueueText(tx, { phone, body: replies.cancelled(1) }, now);
        return;
      }
      await addJob(tx, { kind: UNDO_JOB, lane: xLane(phone), payload: { messageId: step.message.id } }, now);
    },
  });
}

/** What UNDO found at X: the post already gone, deleted now (with the text it had), or kept by X. */
type Undo = { kind: "gone" } | { kind: "deleted"; text: string } | { kind: "kept" };

/** Deletes the most recent post made by SMS. */
export function undoJob(deps: StepDeps): JobHandler<MessagePayload> {
  const { db, x, keeper, clock } = deps;
  return {
    async run(job): Promise<JobResult> {
      const step = await loadStep(deps, job);
      if (!step) return { kind: "done", detail: "erased" };
      const { phone } = step.message;
      const last = await latestLivePost(db, phone);
      if (!last) return finish(step, "nothing_to_undo", { reply: replies.nothingToUndo() });
      // The quote is read from X, where the post is public anyway: no copy of it is kept here.
      const result = await asTexter(keeper, phone, async (token): Promise<XOutcome<Undo>> => {
        const shown = await x.getPost(token, last.postId);
        if (shown.kind !== "ok" || shown.value === null)
          return shown.kind === "ok" ? { kind: "ok", value: { kind: "gone" } } : shown;
        const deleted = await x.deletePost(token, last.postId);
        if (deleted.kind !== "ok") return deleted;
        return {
          kind: "ok",
          value: deleted.value ? { kind: "deleted", text: shown.value.text } : { kind: "kept" },
        };
      });
      const markDeleted = (tx: Writer): Promise<void> => markPostDeleted(tx, last.id, clock.now());
      switch (result.kind) {
        case "ok": {
          const undo = result.value;
          if (undo.kind === "deleted")
            return finish(step, "undone", { reply: replies.undone(undo.text), write: markDeleted });
          // X's {"deleted": false}: it declined, and asking again at once would not change its mind.
          if (undo.kind === "kept")
            return finish(step, "undo_kept", { reply: replies.undoKept(), refused: true });
          return finish(step, "undo_already_gone", { reply: replies.undoAlreadyGone(), write: markDeleted });
        }
        case "refused":
          if (result.reason === "not_found") {
            return finish(step, "undo_already_gone", {
              reply: replies.undoAlreadyGone(),
              write: markDeleted,
            });
          }
          return finish(step, `undo_refused:${result.reason}`, {
            reply: replies.undoRefused(result.reason),
            refused: true,
            why: result.detail,
          });
        case "disconnected":
          return sendLink(step, true);
        case "retry":
          return retryLater(result.retryAt, result.detail);
        case "unreadable":
          return { kind: "fault", reason: `X: ${result.detail}` };
      }
    },
    onGiveUp: (job, giveUp, tx) => tellGaveUp(deps, job, giveUp, tx, replies.undoGaveUp()),
  };
}

/**
 * Forgets the tokens now and revokes them at X in the background (a `revoke` job), so LOGOUT is answered
 * at once even while X is down; posts still waiting for X are cancelled and the reply counts them.
 */
export function logout(step: Step): JobResult {
  if (step.texter.refreshToken === null)
    return finish(step, "not_connected", { reply: replies.notConnected() });
  const { phone } = step.message;
  const handle = step.texter.xHandle ?? "";
  const now = step.deps.clock.now();
  return finish(step, "logged_out", {
    write: async (tx) => {
      const cancelled = await disconnect(tx, phone, now);
      const dropped = await closeThread(tx, phone);
      await enqueueText(tx, { phone, body: replies.loggedOut(handle, cancelled, dropped) }, now);
    },
  });
}

export function requestDelete(step: Step): JobResult {
  return finish(step, "delete_requested", {
    reply: replies.deleteRequested(),
    write: (tx) => setDeleteRequestedAt(tx, step.message.phone, step.deps.clock.now()),
  });
}

/** Any text but CONFIRM after DELETE: the deletion is off, and the text is not posted. */
export function cancelDelete(step: Step): JobResult {
  return finish(step, "delete_cancelled", {
    reply: replies.deleteCancelled(),
    write: (tx) => setDeleteRequestedAt(tx, step.message.phone, null),
  });
}

/** CONFIRM: erases every row about the number (tokens revoked at X by a job); the goodbye erases itself once sent. */
export function confirmDelete(step: Step): JobResult {
  const { clock, logger } = step.deps;
  const { phone } = step.message;
  const requested = step.texter.deleteRequestedAt;
  if (requested === null || clock.now() - requested > DELETE_CONFIRM_WINDOW_MS) {
    return finish(step, "nothing_to_confirm", { reply: replies.nothingToConfirm() });
  }
  const now = clock.now();
  return finish(step, "erased", {
    write: async (tx) => {
      await disconnect(tx, phone, now);
      await eraseNumber(tx, phone, step.message.id);
      await enqueueText(tx, { phone, body: replies.deleted(), eraseWhenDone: true }, now);
      logger.info("texter.erased", { phone: maskPhone(phone) });
    },
  });
}

/**
 * Cancels everything still waiting for X, queues the revocation of the tokens (sealed as stored, in the
 * job's payload, erased once it is done) and forgets them. Returns how many waiting posts were cancelled.
 */
export async function disconnect(tx: Writer, phone: string, now: number): Promise<number> {
  const lane = xLane(phone);
  const queued = await queuedInLane(tx, lane);
  await cancelQueued(tx, lane, queued, "disconnected", now);
  const row = await getTexter(tx, phone);
  if (row?.accessToken && row.refreshToken) {
    const payload = { phone, accessToken: row.accessToken, refreshToken: row.refreshToken };
    await addJob(tx, { kind: REVOKE_JOB, lane: null, payload }, now);
  }
  await forgetTokens(tx, phone);
  return queued.filter((job) => job.kind === POST_JOB || job.kind === THREAD_JOB).length;
}

/**
 * Cancels jobs of the X lane that have not started, and erases what they still held: a post's pictures
 * (its text was in the payload, which cancelling erases), a thread's parts.
 */
async function cancelQueued(
  tx: Writer,
  lane: string,
  queued: readonly QueuedJob[],
  detail: string,
  now: number,
): Promise<void> {
  await cancelJobs(
    tx,
    lane,
    queued.map((job) => job.id),
    detail,
    now,
  );
  for (const job of queued) {
    if (job.kind === POST_JOB) {
      const { messageId } = JSON.parse(job.payload) as MessagePayload;
      await eraseInbound(tx, messageId, `post_cancelled:${detail}`);
    }
    if (job.kind === THREAD_JOB) await dropPartsOfJob(tx, job.id);
  }
}
