import { eq } from "drizzle-orm";
import { findUsableLink, LINK_PLACEHOLDER, linkContext, linkUrl } from "../auth/links";
import type { Clock } from "../clock";
import type { Cipher } from "../crypto/cipher";
import type { Database } from "../db/client";
import { outboundMessages, texters } from "../db/schema";
import { type Logger, maskPhone } from "../log";
import type { SmsGateway } from "../sms/gateway";
import { type BackoffPolicy, retryDelay } from "./backoff";
import type { Job, JobSource } from "./lanes";
import type { Limits } from "./limits";
import { claimSend, dueTexts, type OutboundText } from "./outbox";

type OutboundJob = Job & { text: OutboundText };

export type OutboundDeps = {
  db: Database;
  sms: SmsGateway;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  backoff: BackoffPolicy;
  limits: Limits;
};

/**
 * Sends queued texts through Twilio, one number at a time in order, never to an opted-out number,
 * and never past the cost guard (every text goes through here, so this is where it is enforced).
 */
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

  /** Claims a send slot, or settles the text when the cost guard says no; true when it may be sent. */
  const withinLimits = (text: OutboundText): boolean => {
    const now = clock.now();
    const claim = claimSend(db, text, now, deps.limits);
    switch (claim.kind) {
      case "claimed":
        return true;
      case "number_limit":
        // That many texts an hour to one person means a loop or an attack: dropping, not delaying, is the point.
        settle(text, { status: "suppressed", secret: null, error: "limit:number" });
        logger.warn("sms.limit_number", { to: maskPhone(text.phone), id: text.id });
        return false;
      case "global_limit":
        if (now - text.createdAt > deps.backoff.giveUpAfterMs) {
          settle(text, { status: "failed", secret: null, error: "limit:global" });
          logger.error("sms.gave_up", { to: maskPhone(text.phone), id: text.id, reason: "limit:global" });
          return false;
        }
        // Legitimate replies are only late, not lost: wait for the oldest counted send to leave the window.
        finish(text.id, { nextAttemptAt: claim.reopensAt, sentAt: null });
        logger.warn("sms.limit_global", { to: maskPhone(text.phone), id: text.id, retryAt: claim.reopensAt });
        return false;
    }
  };

  return {
    due: (now, limit) => dueTexts(db, now, limit).map((text) => ({ id: text.id, lane: text.phone, text })),

    async run({ text }) {
      const texter = db.select().from(texters).where(eq(texters.phone, text.phone)).get();
      if (texter?.optedOut) {
        settle(text, { status: "suppressed", secret: null });
        logger.info("sms.suppressed", { to: maskPhone(text.phone) });
        return;
      }
      const body = await render(deps, text);
      if (body === null) {
        // A link that can no longer connect (expired while Twilio was down, or replaced) is worth no SMS;
        // the texter's next text gets a fresh one.
        settle(text, { status: "failed", secret: null, error: "link expired" });
        logger.warn("sms.link_expired", { to: maskPhone(text.phone), id: text.id });
        return;
      }
      if (!withinLimits(text)) return;
      const outcome = await deps.sms.send(text.phone, body);
      const now = clock.now();
      switch (outcome.kind) {
        case "sent":
          settle(text, {
            status: "sent",
            twilioSid: outcome.sid,
            secret: null,
            attempts: text.attempts + 1,
            // `sentAt` stays the claim's time: when the text was handed to Twilio.
          });
          logger.info("sms.sent", { to: maskPhone(text.phone), id: text.id });
          return;
        case "opted_out":
          // Twilio knows better than our row: record the opt-out so nothing more is attempted.
          db.update(texters).set({ optedOut: true }).where(eq(texters.phone, text.phone)).run();
          settle(text, { status: "suppressed", secret: null, sentAt: null });
          logger.info("sms.recipient_opted_out", { to: maskPhone(text.phone) });
          return;
        case "rejected":
          settle(text, {
            status: "failed",
            secret: null,
            sentAt: null,
            error: `twilio ${outcome.code ?? ""}`.trim(),
          });
          logger.warn("sms.rejected", { to: maskPhone(text.phone), code: outcome.code });
          return;
        case "unavailable": {
          const attempts = text.attempts + 1;
          if (now - text.createdAt > deps.backoff.giveUpAfterMs) {
            settle(text, {
              status: "failed",
              secret: null,
              sentAt: null,
              attempts,
              error: "twilio unavailable",
            });
            logger.error("sms.gave_up", { to: maskPhone(text.phone), attempts });
            return;
          }
          // Not sent: the claim must not count against the limits while it waits.
          finish(text.id, {
            attempts,
            sentAt: null,
            nextAttemptAt: now + retryDelay(attempts, deps.backoff),
          });
          logger.warn("sms.retry", { to: maskPhone(text.phone), attempts });
          return;
        }
      }
    },
  };
}

/** The text as it goes out, with its one-time link filled in; null when that link no longer works. */
async function render(deps: OutboundDeps, text: OutboundText): Promise<string | null> {
  if (text.secret === null) return text.body;
  const token = await deps.cipher.decrypt(text.secret, linkContext(text.phone));
  if (!findUsableLink(deps.db, token, deps.clock.now())) return null;
  return text.body.replace(LINK_PLACEHOLDER, linkUrl(deps.publicUrl, token));
}
