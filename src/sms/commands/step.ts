import type { Clock } from "../../clock";
import type { Cipher } from "../../crypto/cipher";
import type { PinKeys } from "../../crypto/pin";
import type { Database } from "../../db/client";
import { getInbound, type InboundMessage, recordInboundOutcome } from "../../db/inbound";
import { enqueueText } from "../../db/outbound";
import type { OutboundKind } from "../../db/schema";
import { getTexter, type Texter } from "../../db/texters";
import type { Writer } from "../../db/transaction";
import { type Logger, maskPhone } from "../../log";
import type { GiveUp, Job, JobResult } from "../../queue/types";
import type { XGateway } from "../../x/gateway";
import type { TokenKeeper } from "../../x/tokens";
import type { SmsGateway } from "../gateway";
import type { Limits } from "../limits";
import { timeFor } from "../local-time";
import { replies } from "../replies";

export type StepDeps = {
  db: Database;
  x: XGateway;
  sms: SmsGateway;
  keeper: TokenKeeper;
  cipher: Cipher;
  /** LOCK PINs' MACs, keyed from the token keys. */
  pins: PinKeys;
  clock: Clock;
  logger: Logger;
  /** The cost guard; steps read the caps on links, HELP answers and posts. */
  limits: Limits;
};

export type { Texter } from "../../db/texters";

/** One job about one text, with its sender's row as it was when the job began. */
export type Step = { deps: StepDeps; job: Job; message: InboundMessage; texter: Texter };

/** Jobs about a text carry its id; the text itself may be gone (erased by DELETE + CONFIRM). */
export type MessagePayload = { messageId: number };

/** X's side of a number's work (posts, threads, UNDO): one lane, so posts go up in the order they came. */
export const xLane = (phone: string): string => `x:${phone}`;

export type Finish = {
  reply?: string | null;
  /** What the reply is to the caps that count replies of one kind (HELP's); an ordinary reply if left out. */
  replyKind?: OutboundKind;
  postId?: string;
  /** X or Twilio said no: final, and counted as refused. */
  refused?: boolean;
  /** Why, in X's or Twilio's words (status and message), for the log. */
  why?: string;
  /** Further writes that must commit together with the completion and the reply. */
  write?: (tx: Writer) => Promise<void>;
  /** A post was queued: its job still needs the text's pictures (the text itself is in its payload). */
  keepMedia?: boolean;
};

/**
 * The end of a step: its effects, its reply and the record of the text commit together, or not at all.
 * The text's body is erased in that commit (spec: data kept); the reply's own body once it is sent.
 */
export function finish(step: Step, outcome: string, options: Finish = {}): JobResult {
  const { clock, logger } = step.deps;
  const { message } = step;
  const reply = options.reply ?? null;
  return {
    kind: "done",
    detail: outcome,
    refused: options.refused ?? false,
    write: async (tx) => {
      await recordInboundOutcome(tx, message.id, outcome, options.postId ?? null, {
        keepMedia: options.keepMedia ?? false,
      });
      await options.write?.(tx);
      if (reply !== null) {
        const text = { phone: message.phone, body: reply, kind: options.replyKind ?? "reply" };
        await enqueueText(tx, text, clock.now());
      }
      const fields = { phone: maskPhone(message.phone), id: message.id, outcome };
      if (options.refused) logger.warn("inbound.done", { ...fields, why: options.why ?? null });
      else logger.info("inbound.done", fields);
    },
  };
}

/** X or Twilio is not answering: the engine backs off, and gives up after the hour. */
export function retryLater(retryAt: number | null, detail: string): JobResult {
  return { kind: "retry", reason: detail, at: retryAt };
}

/** Loads what a job about a text needs; null when the text (or its number) has been erased since. */
export async function loadStep(deps: StepDeps, job: Job<MessagePayload>): Promise<Step | null> {
  const message = await getInbound(deps.db, job.payload.messageId);
  if (!message) return null;
  const texter = await getTexter(deps.db, message.phone);
  if (!texter) return null;
  return { deps, job, message, texter };
}

/**
 * A text's work gave up (X down for an hour, its daily cap, or our own repeated failure): say so, once.
 * `reply` words it for work that is not a post (UNDO).
 */
export async function tellGaveUp(
  deps: StepDeps,
  job: Job<MessagePayload>,
  giveUp: GiveUp,
  tx: Writer,
  wording?: string,
): Promise<void> {
  const message = await getInbound(tx, job.payload.messageId);
  if (!message) return;
  const reply =
    wording ??
    {
      reset: () => replies.xDailyCap(timeFor(message.phone, giveUp.retryAt ?? deps.clock.now())),
      faults: () => replies.failed(),
      age: () => replies.gaveUp(),
    }[giveUp.cause]();
  await enqueueText(tx, { phone: message.phone, body: reply }, deps.clock.now());
  await recordInboundOutcome(tx, message.id, "gave_up");
  deps.logger.error("inbound.gave_up", {
    phone: maskPhone(message.phone),
    id: message.id,
    reason: giveUp.reason,
  });
}
