import { eq } from "drizzle-orm";
import { LINK_PLACEHOLDER, linkContext, linkUrl } from "../auth/links";
import type { Clock } from "../clock";
import type { Cipher } from "../crypto/cipher";
import type { Database } from "../db/client";
import { outboundMessages, texters } from "../db/schema";
import { type Logger, maskPhone } from "../log";
import type { SmsGateway } from "../sms/gateway";
import { type BackoffPolicy, retryDelay } from "./backoff";
import type { Job, JobSource } from "./lanes";
import { dueTexts, type OutboundText } from "./outbox";

type OutboundJob = Job & { text: OutboundText };

export type OutboundDeps = {
  db: Database;
  sms: SmsGateway;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  backoff: BackoffPolicy;
};

/** Sends queued texts through Twilio, one number at a time in order, never to an opted-out number. */
export function outboundSource(deps: OutboundDeps): JobSource<OutboundJob> {
  const { db, clock, logger } = deps;
  const finish = (id: number, set: Partial<OutboundText>): void => {
    db.update(outboundMessages).set(set).where(eq(outboundMessages.id, id)).run();
  };
  // The goodbye after DELETE/CONFIRM: once handled, not even it may remain about the number.
  const settle = (text: OutboundText, set: Partial<OutboundText>): void => {
    if (text.eraseWhenDone && set.status !== undefined && set.status !== "pending") {
      db.delete(outboundMessages).where(eq(outboundMessages.id, text.id)).run();
    } else {
      finish(text.id, set);
    }
  };

  return {
    due(now, busy, limit) {
      return dueTexts(db, now, limit + busy.size)
        .filter((text) => !busy.has(text.phone))
        .slice(0, limit)
        .map((text) => ({ id: text.id, lane: text.phone, text }));
    },

    async run({ text }) {
      const texter = db.select().from(texters).where(eq(texters.phone, text.phone)).get();
      if (texter?.optedOut) {
        settle(text, { status: "suppressed", secret: null });
        logger.info("sms.suppressed", { to: maskPhone(text.phone) });
        return;
      }
      const body = await render(deps, text);
      const outcome = await deps.sms.send(text.phone, body);
      const now = clock.now();
      switch (outcome.kind) {
        case "sent":
          settle(text, {
            status: "sent",
            twilioSid: outcome.sid,
            secret: null,
            attempts: text.attempts + 1,
          });
          logger.info("sms.sent", { to: maskPhone(text.phone), id: text.id });
          return;
        case "opted_out":
          // Twilio knows better than our row: record the opt-out so nothing more is attempted.
          db.update(texters).set({ optedOut: true }).where(eq(texters.phone, text.phone)).run();
          settle(text, { status: "suppressed", secret: null });
          logger.info("sms.recipient_opted_out", { to: maskPhone(text.phone) });
          return;
        case "rejected":
          settle(text, { status: "failed", secret: null, error: `twilio ${outcome.code ?? ""}`.trim() });
          logger.warn("sms.rejected", { to: maskPhone(text.phone), code: outcome.code });
          return;
        case "unavailable": {
          const attempts = text.attempts + 1;
          if (now - text.createdAt > deps.backoff.giveUpAfterMs) {
            settle(text, { status: "failed", secret: null, attempts, error: "twilio unavailable" });
            logger.error("sms.gave_up", { to: maskPhone(text.phone), attempts });
            return;
          }
          finish(text.id, { attempts, nextAttemptAt: now + retryDelay(attempts, deps.backoff) });
          logger.warn("sms.retry", { to: maskPhone(text.phone), attempts });
          return;
        }
      }
    },
  };
}

async function render(deps: OutboundDeps, text: OutboundText): Promise<string> {
  if (text.secret === null) return text.body;
  const token = await deps.cipher.decrypt(text.secret, linkContext(text.phone));
  return text.body.replace(LINK_PLACEHOLDER, linkUrl(deps.publicUrl, token));
}
