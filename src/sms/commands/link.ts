import { insertLink, linkCapReached, linkCoolingDown, prepareLink } from "../../auth/links";
import { recordInboundOutcome } from "../../db/inbound";
import { enqueueText } from "../../db/outbound";
import { forgetTokens } from "../../db/texters";
import { maskPhone } from "../../log";
import type { JobResult } from "../../queue/types";
import { timeFor } from "../local-time";
import { replies } from "../replies";
import { finish, type Step } from "./step";

/**
 * Texts a one-time link to a number without (usable) tokens. `reconnect`: the tokens just died, so
 * they are forgotten in the same transaction and the texter is told this text was not posted.
 */
export async function sendLink(
  step: Step,
  reconnect: boolean,
  /** Other words for the link's text and for the answer while the last link is still cooling down (FORGOT). */
  wording?: { link: string; throttled: string },
): Promise<JobResult> {
  const { db, clock, cipher, logger, limits } = step.deps;
  const { phone } = step.message;
  const now = clock.now();
  const cooling = linkCoolingDown(db, phone, now);
  if (cooling) {
    // Never silent: the texter hears when the link went out and until when it works.
    const sent = timeFor(phone, cooling.createdAt);
    const until = timeFor(phone, cooling.expiresAt);
    return finish(step, "link_throttled", {
      reply:
        wording?.throttled ??
        // Someone who was connected before (a handle is remembered) is told to reconnect.
        (reconnect || step.texter.xHandle !== null
          ? replies.reconnectLinkSent(sent, until)
          : replies.linkAlreadySent(sent, until)),
      write: (tx) => reconnect && forgetTokens(tx, phone),
    });
  }
  const link = await prepareLink(cipher, phone);
  const outcome = reconnect ? "reconnect_link_sent" : "link_sent";
  return finish(step, outcome, {
    // The cap is checked in the transaction that issues the link, so lanes working side by side
    // cannot all take the last one.
    write: (tx) => {
      if (reconnect) forgetTokens(tx, phone);
      if (linkCapReached(tx, now, limits.linksPerHour)) {
        // Each link is a text: past the cap nothing is sent, not even a "try later" (that would cost too).
        recordInboundOutcome(tx, step.message.id, "link_limited");
        logger.warn("inbound.link_limited", { phone: maskPhone(phone), id: step.message.id });
        return;
      }
      insertLink(tx, phone, link, now);
      enqueueText(
        tx,
        {
          phone,
          body: wording?.link ?? (reconnect ? replies.reconnect() : replies.welcome()),
          secret: link.sealedToken,
        },
        now,
      );
      logger.info("inbound.link_sent", { phone: maskPhone(phone), id: step.message.id });
    },
  });
}
