import type { Clock } from "../../clock";
import type { Cipher } from "../../crypto/cipher";
import type { Database } from "../../db/client";
import type { texters } from "../../db/schema";
import type { Tx } from "../../db/transaction";
import type { BackoffPolicy } from "../../delivery/backoff";
import { retryDelay } from "../../delivery/backoff";
import { completeInbound, type InboundMessage, recordAttempt, rescheduleInbound } from "../../delivery/inbox";
import type { Limits } from "../../delivery/limits";
import { enqueueText } from "../../delivery/outbox";
import { type Logger, maskPhone } from "../../log";
import type { XGateway } from "../../x/gateway";
import type { TokenKeeper } from "../../x/tokens";
import type { SmsGateway } from "../gateway";
import { replies } from "../replies";

export type StepDeps = {
  db: Database;
  x: XGateway;
  sms: SmsGateway;
  keeper: TokenKeeper;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  backoff: BackoffPolicy;
  /** The cost guard; steps read the cap on new links (see link.ts). */
  limits: Limits;
  /** Called after a step queued a text, so it goes out without waiting for a poll. */
  textsQueued: () => void;
};

export type Texter = typeof texters.$inferSelect;

/** One inbound text being worked, with its sender's row as it was when the work began. */
export type Step = { deps: StepDeps; message: InboundMessage; texter: Texter };

export type Finish = {
  reply?: string | null;
  postId?: string;
  /** Further writes that must commit together with the completion and the reply. */
  write?: (tx: Tx) => void;
};

/** Ends the work on a text in one transaction: its effects, its reply and its completion commit together. */
export function finish(step: Step, outcome: string, options: Finish = {}): void {
  const { db, clock, logger } = step.deps;
  const { message } = step;
  const reply = options.reply ?? null;
  db.transaction((tx) => {
    options.write?.(tx);
    if (reply !== null) enqueueText(tx, { phone: message.phone, body: reply }, clock.now());
    completeInbound(tx, message.id, outcome, options.postId ?? null);
  });
  if (reply !== null) step.deps.textsQueued();
  logger.info("inbound.done", { phone: maskPhone(message.phone), id: message.id, outcome });
}

/**
 * Records an attempt before X is called, and says whether an earlier one may have reached X: then a
 * "duplicate content" answer means our own post landed, not that the texter repeated themselves.
 */
export function beginAttempt(step: Step): boolean {
  recordAttempt(step.deps.db, step.message.id, step.message.attempts + 1);
  return step.message.attempts > 0;
}

/** X or Twilio is not answering: try this text again later, or give up after an hour and say so. */
export function retryLater(step: Step, retryAt: number | null, detail: string): void {
  const { db, clock, logger, backoff } = step.deps;
  const { message } = step;
  const now = clock.now();
  if (now - message.receivedAt > backoff.giveUpAfterMs) {
    finish(step, "gave_up", { reply: replies.gaveUp() });
    return;
  }
  const attempts = message.attempts + 1;
  const at = retryAt ?? now + retryDelay(attempts, backoff);
  rescheduleInbound(db, message.id, attempts, Math.max(at, now));
  logger.warn("inbound.retry", { phone: maskPhone(message.phone), id: message.id, detail });
}
