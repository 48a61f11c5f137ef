import { findUsableLink, LINK_PLACEHOLDER, linkContext, linkUrl } from "../auth/links";
import type { Clock } from "../clock";
import { type Cipher, DecryptionError } from "../crypto/cipher";
import type { Database } from "../db/client";
import { addToTotal } from "../db/metric-totals";
import { claimSend, enqueueText, getText, type OutboundText, settleText } from "../db/outbound";
import { getTexter, setOptedOut } from "../db/texters";
import type { Writer } from "../db/transaction";
import { type Logger, maskPhone } from "../log";
import type { JobHandler, JobResult } from "../queue/types";
import type { SmsGateway } from "./gateway";
import { LIMIT_WINDOW_MS, type Limits, textsBesideLinksPerHour } from "./limits";
import { timeFor } from "./local-time";
import { replies } from "./replies";
import { measureSms } from "./segments";

export type SendJobDeps = {
  db: Database;
  sms: SmsGateway;
  cipher: Cipher;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  limits: Limits;
};

type Payload = { outboundId: number };

/** Twilio's clock and ours may differ a little: a lost send is looked for from a minute before it. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Sends one queued text through Twilio: never to an opted-out number, never past the cost guard (every
 * text comes through here, so this is where it is enforced), never twice (a send whose answer was lost
 * is looked up at Twilio before it is made again).
 */
export function sendJob(deps: SendJobDeps): JobHandler<Payload> {
  const { db, clock, logger } = deps;
  const limits = {
    ...deps.limits,
    besideLinksPerHour: textsBesideLinksPerHour(deps.limits),
    windowMs: LIMIT_WINDOW_MS,
  };
  return {
    async run(job): Promise<JobResult> {
      const text = await getText(db, job.payload.outboundId);
      // Erased with its number (DELETE + CONFIRM), or settled by an attempt whose commit was lost.
      if (text?.status !== "pending") return { kind: "done", detail: "gone" };
      const to = maskPhone(text.phone);
      const settle = (set: Partial<OutboundText>) => (tx: Writer) => settleText(tx, text, set);
      // What Twilio bills: counted with the send it belongs to, never pruned (smstweet_sms_segments_total).
      const sent = (set: Partial<OutboundText>, body: string) => async (tx: Writer) => {
        await settleText(tx, text, set);
        await addToTotal(tx, "sms_segments", "", measureSms(body).segments);
      };
      const texter = await getTexter(db, text.phone);
      // The confirmation of an opt-out Twilio did not act on (`Stop.`) is the one text that still goes.
      if (texter?.optedOut && text.kind !== "opt_out_confirmation") {
        logger.info("sms.suppressed", { to });
        return { kind: "done", detail: "opted_out", write: settle({ status: "suppressed", secret: null }) };
      }
      // Twilio said the number cannot take texts (sms/delivery-report): each try would be billed and fail.
      const dead = texter?.undeliverableCode ?? null;
      if (dead !== null) {
        logger.info("sms.suppressed_undeliverable", { to, code: dead });
        const error = `undeliverable:${dead}`;
        return {
          kind: "done",
          detail: "undeliverable",
          write: settle({ status: "suppressed", secret: null, error }),
        };
      }
      const body = await render(deps, text);
      if (body === null) {
        // A link that can no longer connect is worth no SMS; the texter's next text gets a fresh one.
        logger.warn("sms.link_expired", { to, id: text.id });
        return {
          kind: "done",
          detail: "link_expired",
          refused: true,
          write: settle({ status: "failed", secret: null, error: "link expired" }),
        };
      }
      if (job.uncertain) {
        const since = (text.sentAt ?? job.startedAt) - CLOCK_SKEW_MS;
        const earlier = await deps.sms.findSent(text.phone, body, since);
        if (earlier.kind === "unavailable")
          return { kind: "retry", reason: `twilio lookup: ${earlier.detail}` };
        if (earlier.kind === "found") {
          logger.info("sms.sent_earlier", { to, id: text.id });
          return {
            kind: "done",
            detail: "sent",
            write: sent({ status: "sent", twilioSid: earlier.sid, secret: null }, body),
          };
        }
      }
      const claim = await claimSend(db, text, clock.now(), limits);
      if (claim.kind === "number_limit") {
        // That many texts an hour to one person means a loop or an attack: dropping, not delaying, is the
        // point. The texter hears it once (never silent), then nothing until the window has room.
        logger.warn("sms.limit_number", { to, id: text.id });
        const resume = timeFor(text.phone, claim.reopensAt);
        return {
          kind: "done",
          detail: "limit_number",
          refused: true,
          write: async (tx) => {
            await settleText(tx, text, { status: "suppressed", secret: null, error: "limit:number" });
            if (claim.noticeSent) return;
            const notice = {
              phone: text.phone,
              body: replies.limitReached(resume),
              kind: "limit_notice" as const,
            };
            await enqueueText(tx, notice, clock.now());
          },
        };
      }
      if (claim.kind === "global_limit") {
        // Legitimate replies are only late, not lost: wait for the oldest counted send to leave the window.
        logger.warn("sms.limit_global", { to, id: text.id, retryAt: claim.reopensAt });
        return {
          kind: "retry",
          reason: "limit:global",
          at: claim.reopensAt,
          write: settle({ sentAt: null }),
        };
      }
      const outcome = await deps.sms.send(text.phone, body);
      switch (outcome.kind) {
        case "sent":
          // Twilio's 2xx is acceptance even when its body was unreadable (no sid): never send it again.
          logger.info("sms.sent", { to, id: text.id });
          return {
            kind: "done",
            detail: "sent",
            write: sent(
              { status: "sent", twilioSid: outcome.sid, secret: null, attempts: job.attempts },
              body,
            ),
          };
        case "opted_out":
          // Twilio knows better than our row: record the opt-out so nothing more is attempted.
          logger.info("sms.recipient_opted_out", { to });
          return {
            kind: "done",
            detail: "opted_out",
            write: async (tx) => {
              await setOptedOut(tx, text.phone, true);
              await settleText(tx, text, { status: "suppressed", secret: null, sentAt: null });
            },
          };
        case "rejected":
          logger.warn("sms.rejected", { to, code: outcome.code, reason: outcome.detail });
          return {
            kind: "done",
            detail: "rejected",
            refused: true,
            write: settle({
              status: "failed",
              secret: null,
              sentAt: null,
              error: `twilio ${outcome.code ?? ""}`.trim(),
            }),
          };
        case "unavailable":
          // A send that may have reached Twilio keeps its claim: it counts, and is looked up before a retry.
          return {
            kind: "retry",
            reason: outcome.detail,
            uncertain: outcome.ambiguous,
            write: settle({ attempts: job.attempts, ...(outcome.ambiguous ? {} : { sentAt: null }) }),
          };
      }
    },

    async onGiveUp(job, giveUp, tx) {
      const text = await getText(tx, job.payload.outboundId);
      if (!text) return;
      await settleText(tx, text, { status: "failed", secret: null, error: giveUp.lastReason.slice(0, 200) });
      logger.error("sms.gave_up", { to: maskPhone(text.phone), id: text.id, reason: giveUp.reason });
    },
  };
}

/** The text as it goes out, with its one-time link filled in; null when that link no longer works. */
async function render(deps: SendJobDeps, text: OutboundText): Promise<string | null> {
  if (text.secret === null) return text.body;
  let token: string;
  try {
    token = await deps.cipher.decrypt(text.secret, linkContext(text.phone));
  } catch (error) {
    // Sealed under a key this process no longer has: the link cannot be filled in, as if it expired.
    if (error instanceof DecryptionError) return null;
    throw error;
  }
  if (!(await findUsableLink(deps.db, token, deps.clock.now()))) return null;
  return text.body.replace(LINK_PLACEHOLDER, linkUrl(deps.publicUrl, token));
}
