import {
  insertLink,
  type LinkRoom,
  linkCoolingDown,
  linkRoom,
  liveLink,
  prepareLink,
} from "../../auth/links";
import { recordInboundOutcome } from "../../db/inbound";
import { countQueuedSince, enqueueText } from "../../db/outbound";
import { forgetTokens } from "../../db/texters";
import type { Writer } from "../../db/transaction";
import { maskPhone } from "../../log";
import type { JobResult } from "../../queue/types";
import { repeatLinksPerHour } from "../limits";
import { timeFor } from "../local-time";
import { replies } from "../replies";
import { finish, type Step } from "./step";

/** Other words for FORGOT: the link's text, the answer while the last link cools down, the daily cap's notice. */
export type LinkWording = {
  link: string;
  throttled: string;
  capped: (max: number, next: string, until: string | null) => string;
};

/**
 * Texts a one-time link to a number without (usable) tokens. `reconnect`: the tokens just died, so
 * they are forgotten in the same transaction and the texter is told this text was not posted.
 */
export async function sendLink(step: Step, reconnect: boolean, wording?: LinkWording): Promise<JobResult> {
  const { db, clock, cipher, logger, limits } = step.deps;
  const { phone } = step.message;
  const now = clock.now();
  const cooling = await linkCoolingDown(db, phone, now);
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
      write: async (tx) => {
        if (reconnect) await forgetTokens(tx, phone);
      },
    });
  }
  const link = await prepareLink(cipher, phone);
  const outcome = reconnect ? "reconnect_link_sent" : "link_sent";
  const caps = {
    perNumberPerDay: limits.linksPerNumberPerDay,
    perHour: limits.linksPerHour,
    repeatPerHour: repeatLinksPerHour(limits),
  };
  return finish(step, outcome, {
    // The caps are checked in the transaction that issues the link, so lanes working side by side
    // cannot all take the last one.
    write: async (tx) => {
      if (reconnect) await forgetTokens(tx, phone);
      const room = await linkRoom(tx, phone, now, caps, step.texter.connectedAt !== null);
      if (room.kind !== "room") {
        await limited(step, tx, room, wording);
        return;
      }
      await insertLink(tx, phone, link, now);
      await enqueueText(
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

/**
 * No link: each one is a text. Past the hourly cap nothing is sent, not even a "try later" (that would
 * cost as much, and a flood of numbers would get it). Past its own daily cap, a number is told once when
 * it can have the next link, then hears nothing until another link has gone out: a number that keeps
 * texting costs at most one such text per link, and an honest texter still learns why nothing comes.
 */
async function limited(
  step: Step,
  tx: Writer,
  room: Exclude<LinkRoom, { kind: "room" }>,
  wording?: LinkWording,
): Promise<void> {
  const { clock, logger, limits } = step.deps;
  const { phone, id } = step.message;
  const now = clock.now();
  await recordInboundOutcome(tx, id, room.kind === "global_cap" ? "link_limited" : "link_limited:number");
  logger.warn("inbound.link_limited", { phone: maskPhone(phone), id, cap: room.kind });
  if (room.kind === "global_cap" || (await countQueuedSince(tx, phone, "link_limit_notice", room.lastAt)) > 0)
    return;
  const next = timeFor(phone, room.nextAt);
  const live = await liveLink(tx, phone, now);
  const until = live === null ? null : timeFor(phone, live.expiresAt);
  const max = limits.linksPerNumberPerDay;
  const body = wording?.capped(max, next, until) ?? replies.linkLimitReached(max, next, until);
  await enqueueText(tx, { phone, body, kind: "link_limit_notice" }, now);
}
