import { eq } from "drizzle-orm";
import { texters } from "../db/schema";
import {
  confirmDelete,
  DELETE_CONFIRM_WINDOW_MS,
  help,
  logout,
  optIn,
  optOut,
  requestDelete,
  status,
  undo,
} from "../sms/commands/account";
import { sendLink } from "../sms/commands/link";
import { postText } from "../sms/commands/post";
import type { Step, StepDeps } from "../sms/commands/step";
import { finish } from "../sms/commands/step";
import { addPart, discardThread, postThread, startThread } from "../sms/commands/thread";
import { type Command, interpret } from "../sms/interpret";
import { replies } from "../sms/replies";
import { dueInbound, type InboundMessage } from "./inbox";
import type { Job, JobSource } from "./lanes";

type InboundJob = Job & { message: InboundMessage };

export type InboundDeps = StepDeps;

const COMMANDS: Record<Command, (step: Step) => void | Promise<void>> = {
  help,
  status,
  thread_start: startThread,
  thread_done: postThread,
  thread_discard: discardThread,
  undo,
  logout,
  delete_request: requestDelete,
  delete_confirm: confirmDelete,
  opt_out: optOut,
  opt_in: optIn,
};

/** Works one inbound text: decides what it means, acts on X, queues the reply, all restartable. */
export function inboundSource(deps: InboundDeps): JobSource<InboundJob> {
  const { db, clock } = deps;
  return {
    due: (now, limit) =>
      dueInbound(db, now, limit).map((message) => ({ id: message.id, lane: message.phone, message })),

    async run({ message }) {
      db.insert(texters).values({ phone: message.phone, createdAt: clock.now() }).onConflictDoNothing().run();
      const texter = db.select().from(texters).where(eq(texters.phone, message.phone)).get();
      if (!texter) throw new Error("texter row vanished");
      const step: Step = { deps, message, texter };
      const intent = interpret(message.body, message.media !== "[]", {
        connected: texter.refreshToken !== null,
        threadOpen: texter.threadOpenedAt !== null,
        deletePending:
          texter.deleteRequestedAt !== null &&
          clock.now() - texter.deleteRequestedAt <= DELETE_CONFIRM_WINDOW_MS,
      });
      switch (intent.kind) {
        case "command":
          return COMMANDS[intent.command](step);
        case "connect":
          return sendLink(step, false);
        case "empty":
          return finish(step, "empty");
        case "too_long":
          return finish(step, "too_long", {
            reply: intent.inThread
              ? replies.partTooLong(intent.over, intent.fitting)
              : replies.tooLong(intent.over, intent.fitting),
          });
        case "thread_part":
          return addPart(step, intent.text);
        case "post":
          return postText(step, intent.text);
      }
    },
  };
}
