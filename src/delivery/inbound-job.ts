import { eq } from "drizzle-orm";
import { insertLink, linkCoolingDown, prepareLink } from "../auth/links";
import type { Clock } from "../clock";
import type { Cipher } from "../crypto/cipher";
import type { Database } from "../db/client";
import { texters } from "../db/schema";
import { type Logger, maskPhone } from "../log";
import { interpret } from "../sms/interpret";
import { replies } from "../sms/replies";
import type { XGateway } from "../x/gateway";
import { publish } from "../x/post";
import { forgetTokens, type TokenKeeper } from "../x/tokens";
import { type BackoffPolicy, retryDelay } from "./backoff";
import { completeInbound, dueInbound, type InboundMessage, recordAttempt, rescheduleInbound } from "./inbox";
import type { Job, JobSource } from "./lanes";
import { enqueueText } from "./outbox";

type InboundJob = Job & { message: InboundMessage };

export type InboundDeps = {
  db: Database;
  x: XGateway;
  keeper: TokenKeeper;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  backoff: BackoffPolicy;
  /** Called after a step queued a text, so it goes out without waiting for a poll. */
  textsQueued: () => void;
};

/** Works one inbound text: decides what it means, acts on X, queues the reply, all restartable. */
export function inboundSource(deps: InboundDeps): JobSource<InboundJob> {
  const { db, clock, logger } = deps;

  const reply = (message: InboundMessage, outcome: string, body: string | null, postId?: string): void => {
    db.transaction((tx) => {
      if (body !== null) enqueueText(tx, { phone: message.phone, body }, clock.now());
      completeInbound(tx, message.id, outcome, postId);
    });
    if (body !== null) deps.textsQueued();
    logger.info("inbound.done", { phone: maskPhone(message.phone), id: message.id, outcome });
  };

  /** A link for a number without (usable) tokens; `reconnect` when the tokens just died. */
  const sendLink = async (message: InboundMessage, reconnect: boolean): Promise<void> => {
    const now = clock.now();
    if (linkCoolingDown(db, message.phone, now)) {
      if (reconnect) db.transaction((tx) => forgetTokens(tx, message.phone));
      reply(message, "link_throttled", reconnect ? replies.reconnectLinkSent() : null);
      return;
    }
    const link = await prepareLink(deps.cipher, message.phone);
    db.transaction((tx) => {
      if (reconnect) forgetTokens(tx, message.phone);
      insertLink(tx, message.phone, link, now);
      const body = reconnect ? replies.reconnect() : replies.welcome();
      enqueueText(tx, { phone: message.phone, body, secret: link.sealedToken }, now);
      completeInbound(tx, message.id, reconnect ? "reconnect_link_sent" : "link_sent");
    });
    deps.textsQueued();
    logger.info("inbound.link_sent", { phone: maskPhone(message.phone), id: message.id });
  };

  const post = async (message: InboundMessage, text: string): Promise<void> => {
    // Counted before calling X: if X later says "duplicate", an earlier attempt of ours landed.
    const earlierAttempts = message.attempts;
    recordAttempt(db, message.id, earlierAttempts + 1);
    const result = await publish(deps.keeper, deps.x, message.phone, { text });
    switch (result.kind) {
      case "posted":
        return reply(message, "posted", replies.posted(result.handle, result.id), result.id);
      case "refused":
        if (result.reason === "duplicate" && earlierAttempts > 0) {
          return reply(message, "posted_earlier", replies.postedEarlier(result.handle));
        }
        return reply(message, `refused:${result.reason}`, replies.refused(result.reason));
      case "disconnected":
        return sendLink(message, true);
      case "retry": {
        const now = clock.now();
        if (now - message.receivedAt > deps.backoff.giveUpAfterMs) {
          return reply(message, "gave_up", replies.gaveUp());
        }
        const at = result.retryAt ?? now + retryDelay(earlierAttempts + 1, deps.backoff);
        rescheduleInbound(db, message.id, Math.max(at, now));
        logger.warn("inbound.retry", {
          phone: maskPhone(message.phone),
          id: message.id,
          detail: result.detail,
        });
      }
    }
  };

  return {
    due(now, busy, limit) {
      return dueInbound(db, now, limit + busy.size)
        .filter((message) => !busy.has(message.phone))
        .slice(0, limit)
        .map((message) => ({ id: message.id, lane: message.phone, message }));
    },

    async run({ message }) {
      db.insert(texters).values({ phone: message.phone, createdAt: clock.now() }).onConflictDoNothing().run();
      const texter = db.select().from(texters).where(eq(texters.phone, message.phone)).get();
      const intent = interpret(message.body, { connected: Boolean(texter?.refreshToken) });
      switch (intent.kind) {
        case "connect":
          return sendLink(message, false);
        case "empty":
          return reply(message, "empty", null);
        case "too_long":
          return reply(message, "too_long", replies.tooLong(intent.over, intent.fitting));
        case "post":
          return post(message, intent.text);
      }
    },
  };
}
