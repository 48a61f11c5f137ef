import { and, desc, eq, isNull } from "drizzle-orm";
import { authLinks, inboundMessages, outboundMessages, posts, texters, threadParts } from "../../db/schema";
import type { Tx } from "../../db/transaction";
import { asTexter } from "../../x/as-texter";
import { forgetTokens } from "../../x/tokens";
import { replies } from "../replies";
import { sendLink } from "./link";
import { finish, retryLater, type Step } from "./step";
import { closeThread, partCount } from "./thread";

/** Spec: CONFIRM must follow DELETE within ten minutes. */
export const DELETE_CONFIRM_WINDOW_MS = 10 * 60_000;

export function help(step: Step): void {
  finish(step, "help", { reply: replies.help() });
}

export function status(step: Step): void {
  const { texter } = step;
  const connected = texter.refreshToken !== null ? texter.xHandle : null;
  const parts = texter.threadOpenedAt === null ? null : partCount(step.deps.db, texter.phone);
  finish(step, "status", { reply: replies.status(connected, parts) });
}

/** Twilio already blocks texts to the number; we record it so nothing is even attempted. */
export function optOut(step: Step): void {
  finish(step, "opted_out", {
    write: (tx) =>
      tx.update(texters).set({ optedOut: true }).where(eq(texters.phone, step.message.phone)).run(),
  });
}

export function optIn(step: Step): void {
  finish(step, "opted_in", {
    reply: replies.welcomeBack(),
    write: (tx) =>
      tx.update(texters).set({ optedOut: false }).where(eq(texters.phone, step.message.phone)).run(),
  });
}

/** Deletes the most recent post made by SMS. */
export async function undo(step: Step): Promise<void> {
  const { db, x, keeper, clock } = step.deps;
  const { phone } = step.message;
  const last = db
    .select()
    .from(posts)
    .where(and(eq(posts.phone, phone), isNull(posts.deletedAt)))
    .orderBy(desc(posts.id))
    .limit(1)
    .get();
  if (!last) return finish(step, "nothing_to_undo", { reply: replies.nothingToUndo() });
  const result = await asTexter(keeper, phone, (token) => x.deletePost(token, last.postId));
  const markDeleted = {
    write: (tx: Tx) => tx.update(posts).set({ deletedAt: clock.now() }).where(eq(posts.id, last.id)).run(),
  };
  switch (result.kind) {
    case "ok":
      return finish(step, "undone", { reply: replies.undone(), ...markDeleted });
    case "refused":
      if (result.reason === "not_found") {
        return finish(step, "undo_already_gone", { reply: replies.undoAlreadyGone(), ...markDeleted });
      }
      return finish(step, `undo_refused:${result.reason}`, { reply: replies.refused(result.reason) });
    case "disconnected":
      return sendLink(step, true);
    case "retry":
      return retryLater(step, result.retryAt, result.detail);
    case "unreadable":
      return retryLater(step, null, result.detail);
  }
}

/** Revokes both tokens at X (best effort once X answers), then forgets them; the next text gets a link. */
export async function logout(step: Step): Promise<void> {
  const revoked = await revokeAtX(step);
  if (!revoked) return;
  const handle = step.texter.xHandle ?? "";
  finish(step, "logged_out", {
    reply: replies.loggedOut(handle),
    write: (tx) => {
      forgetTokens(tx, step.message.phone);
      closeThread(tx, step.message.phone);
    },
  });
}

export function requestDelete(step: Step): void {
  finish(step, "delete_requested", {
    reply: replies.deleteRequested(),
    write: (tx) =>
      tx
        .update(texters)
        .set({ deleteRequestedAt: step.deps.clock.now() })
        .where(eq(texters.phone, step.message.phone))
        .run(),
  });
}

/** CONFIRM: revokes at X and erases every row about the number; the goodbye erases itself once sent. */
export async function confirmDelete(step: Step): Promise<void> {
  const { db, clock, logger } = step.deps;
  const { phone } = step.message;
  const requested = step.texter.deleteRequestedAt;
  if (requested === null || clock.now() - requested > DELETE_CONFIRM_WINDOW_MS) {
    return finish(step, "nothing_to_confirm", { reply: replies.nothingToConfirm() });
  }
  if (!(await revokeAtX(step))) return;
  db.transaction((tx) => {
    for (const table of [threadParts, posts, authLinks, inboundMessages, outboundMessages, texters]) {
      tx.delete(table).where(eq(table.phone, phone)).run();
    }
    tx.insert(outboundMessages)
      .values({
        phone,
        body: replies.deleted(),
        createdAt: clock.now(),
        nextAttemptAt: clock.now(),
        eraseWhenDone: true,
      })
      .run();
  });
  step.deps.textsQueued();
  logger.info("texter.erased", { id: step.message.id });
}

/** True when the tokens are revoked (or there were none); false when the step was rescheduled. */
async function revokeAtX(step: Step): Promise<boolean> {
  const { x, keeper, backoff, clock } = step.deps;
  const tokens = await keeper.tokensOf(step.message.phone);
  if (!tokens) return true;
  for (const token of [tokens.refreshToken, tokens.accessToken]) {
    const result = await x.revoke(token);
    const givingUp = clock.now() - step.message.receivedAt > backoff.giveUpAfterMs;
    if ((result.kind === "unavailable" || result.kind === "rate_limited") && !givingUp) {
      retryLater(step, result.kind === "rate_limited" ? result.retryAt : null, `revoke: ${result.kind}`);
      return false;
    }
  }
  return true;
}
