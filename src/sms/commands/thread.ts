import { and, asc, eq, lt, sql } from "drizzle-orm";
import { inboundMessages, texters, threadParts } from "../../db/schema";
import type { Writer } from "../../db/transaction";
import type { MediaItem } from "../../delivery/inbox";
import { enqueueText } from "../../delivery/outbox";
import { picturesAllowed } from "../../x/media";
import { replies } from "../replies";
import { sendLink } from "./link";
import { picturesOf, recordPost } from "./post";
import { publish } from "./publish";
import { beginAttempt, finish, retryLater, type Step, type StepDeps } from "./step";

/** Spec: a thread left open this long is discarded, with a text saying so. */
export const THREAD_TTL_MS = 24 * 60 * 60_000;

export function partCount(db: Writer, phone: string): number {
  return (
    db.select({ n: sql<number>`count(*)` }).from(threadParts).where(eq(threadParts.phone, phone)).get()?.n ??
    0
  );
}

export function startThread(step: Step): void {
  const { phone } = step.message;
  if (step.texter.threadOpenedAt !== null) {
    finish(step, "thread_already_open", { reply: replies.threadAlreadyOpen(partCount(step.deps.db, phone)) });
    return;
  }
  finish(step, "thread_started", {
    reply: replies.threadStarted(),
    write: (tx) =>
      tx.update(texters).set({ threadOpenedAt: step.deps.clock.now() }).where(eq(texters.phone, phone)).run(),
  });
}

/** Stores a part as it arrives (already length-checked); nothing reaches X before DONE. */
export function addPart(step: Step, text: string): void {
  const { phone, media } = step.message;
  if (!picturesAllowed(JSON.parse(media) as MediaItem[])) {
    finish(step, "unsupported_media", { reply: replies.unsupportedMedia() });
    return;
  }
  const position = partCount(step.deps.db, phone) + 1;
  finish(step, "thread_part", {
    reply: replies.partSaved(position),
    write: (tx) =>
      tx
        .insert(threadParts)
        .values({ phone, position, body: text, media, createdAt: step.deps.clock.now() })
        .run(),
  });
}

export function discardThread(step: Step): void {
  if (step.texter.threadOpenedAt === null) {
    finish(step, "no_thread", { reply: replies.noThread() });
    return;
  }
  const parts = partCount(step.deps.db, step.message.phone);
  finish(step, "thread_discarded", {
    reply: replies.threadDiscarded(parts),
    write: (tx) => closeThread(tx, step.message.phone),
  });
}

/**
 * DONE: posts the parts as a reply chain, in order. Each part's post id is stored as soon as X answers,
 * so a crash or a retry resumes with the first part not yet posted and never reposts one.
 */
export async function postThread(step: Step): Promise<void> {
  const { db, clock } = step.deps;
  const { phone } = step.message;
  if (step.texter.threadOpenedAt === null) return finish(step, "no_thread", { reply: replies.noThread() });
  const parts = db
    .select()
    .from(threadParts)
    .where(eq(threadParts.phone, phone))
    .orderBy(asc(threadParts.position))
    .all();
  if (parts.length === 0) return finish(step, "thread_empty", { reply: replies.threadEmpty() });
  const mayBeRepeat = beginAttempt(step);
  let previous = parts.findLast((part) => part.postId !== null)?.postId ?? undefined;
  let handle = step.texter.xHandle ?? "";
  for (const part of parts) {
    if (part.postId !== null) continue;
    const pictures = await picturesOf(step, JSON.parse(part.media) as MediaItem[]);
    if (pictures === null) return;
    const result = await publish(
      step.deps,
      phone,
      { text: part.body, pictures, replyTo: previous },
      mayBeRepeat,
    );
    if (result.kind === "disconnected") return sendLink(step, true);
    if (result.kind === "retry") return retryLater(step, result.retryAt, result.detail);
    if (result.kind === "refused") {
      const first = parts[0]?.postId ?? null;
      return finish(step, `thread_refused:${result.reason}`, {
        reply: replies.threadStopped(result.handle, first, part.position, result.reason),
        write: (tx) => closeThread(tx, phone),
      });
    }
    handle = result.handle;
    // Lost answer and not found again: chain the rest to the last part we know.
    if (result.kind === "posted_unknown") continue;
    const id = result.id;
    db.transaction((tx) => {
      tx.update(threadParts).set({ postId: id }).where(eq(threadParts.id, part.id)).run();
      recordPost(tx, phone, id, clock.now());
    });
    part.postId = id;
    previous = id;
  }
  const first = parts.find((part) => part.postId !== null)?.postId ?? null;
  finish(step, "thread_posted", {
    reply: first ? replies.threadPosted(handle, first, parts.length) : replies.postedEarlier(handle),
    postId: first ?? undefined,
    write: (tx) => closeThread(tx, phone),
  });
}

export function closeThread(tx: Writer, phone: string): void {
  tx.delete(threadParts).where(eq(threadParts.phone, phone)).run();
  tx.update(texters).set({ threadOpenedAt: null }).where(eq(texters.phone, phone)).run();
}

/** Discards threads left open for a day, texting their owners; skips numbers with texts still queued. */
export function expireThreads(deps: Pick<StepDeps, "db" | "clock" | "textsQueued">): number {
  const { db, clock } = deps;
  const now = clock.now();
  const stale = db
    .select({ phone: texters.phone })
    .from(texters)
    .where(
      and(
        lt(texters.threadOpenedAt, now - THREAD_TTL_MS),
        sql`NOT EXISTS (SELECT 1 FROM ${inboundMessages} WHERE ${inboundMessages.phone} = ${texters.phone} AND ${inboundMessages.status} = 'pending')`,
      ),
    )
    .all();
  for (const { phone } of stale) {
    db.transaction((tx) => {
      const parts = partCount(tx, phone);
      closeThread(tx, phone);
      enqueueText(tx, { phone, body: replies.threadExpired(parts) }, now);
    });
  }
  if (stale.length > 0) deps.textsQueued();
  return stale.length;
}
