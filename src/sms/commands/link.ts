import { insertLink, linkCoolingDown, prepareLink } from "../../auth/links";
import { completeInbound } from "../../delivery/inbox";
import { enqueueText } from "../../delivery/outbox";
import { maskPhone } from "../../log";
import { forgetTokens } from "../../x/tokens";
import { replies } from "../replies";
import { finish, type Step } from "./step";

/**
 * Texts a one-time link to a number without (usable) tokens. `reconnect`: the tokens just died, so
 * they are forgotten in the same transaction and the texter is told this text was not posted.
 */
export async function sendLink(step: Step, reconnect: boolean): Promise<void> {
  const { db, clock, cipher, logger } = step.deps;
  const { phone } = step.message;
  const now = clock.now();
  if (linkCoolingDown(db, phone, now)) {
    finish(step, "link_throttled", {
      reply: reconnect ? replies.reconnectLinkSent() : null,
      write: (tx) => reconnect && forgetTokens(tx, phone),
    });
    return;
  }
  const link = await prepareLink(cipher, phone);
  db.transaction((tx) => {
    if (reconnect) forgetTokens(tx, phone);
    insertLink(tx, phone, link, now);
    const body = reconnect ? replies.reconnect() : replies.welcome();
    enqueueText(tx, { phone, body, secret: link.sealedToken }, now);
    completeInbound(tx, step.message.id, reconnect ? "reconnect_link_sent" : "link_sent");
  });
  step.deps.textsQueued();
  logger.info("inbound.link_sent", { phone: maskPhone(phone), id: step.message.id });
}
