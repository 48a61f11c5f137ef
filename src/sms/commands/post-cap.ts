import { countQueuedSince } from "../../db/outbound";
import { recentPostTimes } from "../../db/posts";
import type { Writer } from "../../db/transaction";
import type { JobResult } from "../../queue/types";
import { DAY_WINDOW_MS } from "../limits";
import { timeFor } from "../local-time";
import { replies } from "../replies";
import { finish, type Step } from "./step";

export type PostRoom =
  | { kind: "room" }
  /** None left: `resumeAt` the oldest of the day's posts leaves the window; `newestAt` the last was made. */
  | { kind: "full"; resumeAt: number; newestAt: number }
  /** Some left, fewer than needed (a thread): `roomAt` there is room for all, null if never (more than a day's). */
  | { kind: "short"; left: number; roomAt: number | null };

/**
 * Whether `needed` more posts fit in the number's rolling day (X bills each post; a thread part is one).
 * Read in the number's X lane, where its posts are made one at a time, so nothing posts meanwhile.
 */
export async function postRoom(
  db: Writer,
  phone: string,
  now: number,
  max: number,
  needed: number,
): Promise<PostRoom> {
  const times = await recentPostTimes(db, phone, max);
  const used = times.filter((at) => at > now - DAY_WINDOW_MS).length;
  const left = max - used;
  if (needed <= left) return { kind: "room" };
  if (left === 0) {
    return { kind: "full", resumeAt: (times[max - 1] ?? now) + DAY_WINDOW_MS, newestAt: times[0] ?? now };
  }
  // Room for all once the posts from the (max - needed + 1)th newest back have left the day.
  const freeing = times[max - needed];
  return { kind: "short", left, roomAt: freeing === undefined ? null : freeing + DAY_WINDOW_MS };
}

/**
 * Null when `needed` posts fit in the day; otherwise how the job ends, with nothing posted. A full day is
 * told once, with when posting resumes; later texts get no answer until something was posted again
 * (one notice per time the cap closes: an honest texter is never left wondering, a flood costs one text).
 * `also`: what else the end writes (a thread's parts are dropped).
 */
export async function overPostCap(
  step: Step,
  needed: number,
  also?: (tx: Writer) => Promise<void>,
): Promise<JobResult | null> {
  const { db, clock, limits } = step.deps;
  const { phone } = step.message;
  const max = limits.postsPerNumberPerDay;
  const room = await postRoom(db, phone, clock.now(), max, needed);
  switch (room.kind) {
    case "room":
      return null;
    case "short":
      return finish(step, "thread_limited", {
        reply: replies.threadOverLimit(
          needed,
          room.left,
          max,
          room.roomAt === null ? null : timeFor(phone, room.roomAt),
        ),
        refused: true,
        write: also,
      });
    case "full": {
      const told = (await countQueuedSince(db, phone, "post_limit_notice", room.newestAt)) > 0;
      return finish(step, "post_limited", {
        reply: told ? null : replies.postLimitReached(max, timeFor(phone, room.resumeAt)),
        replyKind: "post_limit_notice",
        refused: true,
        write: also,
      });
    }
  }
}
