import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { type MediaItem, threadParts } from "./schema";
import type { Writer } from "./transaction";

/**
 * The one module that changes `thread_parts`. A part belongs to the thread being collected until DONE hands
 * it to a `thread` job (`job_id`); its post id is set as soon as X has it, the resume point after a crash.
 */

export type ThreadPart = typeof threadParts.$inferSelect;

const open = (phone: string) => and(eq(threadParts.phone, phone), isNull(threadParts.jobId));

/** Parts of the thread being collected. */
export function openPartCount(db: Writer, phone: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(threadParts).where(open(phone)).get()?.n ?? 0;
}

/** Appends a part to the thread being collected; positions run on across threads, so they never collide. */
export function appendPart(
  tx: Writer,
  part: { phone: string; body: string; media: MediaItem[] },
  now: number,
): void {
  const last =
    tx
      .select({ n: sql<number>`coalesce(max(position), 0)` })
      .from(threadParts)
      .where(eq(threadParts.phone, part.phone))
      .get()?.n ?? 0;
  tx.insert(threadParts)
    .values({ ...part, position: last + 1, createdAt: now })
    .run();
}

/** The newest part of the thread being collected, if any. */
export function lastOpenPart(db: Writer, phone: string): ThreadPart | undefined {
  return db.select().from(threadParts).where(open(phone)).orderBy(desc(threadParts.position)).limit(1).get();
}

export function removePart(tx: Writer, id: number): void {
  tx.delete(threadParts).where(eq(threadParts.id, id)).run();
}

/** DONE: the thread being collected becomes the job's. */
export function handOpenParts(tx: Writer, phone: string, jobId: number | null): void {
  tx.update(threadParts).set({ jobId }).where(open(phone)).run();
}

/** A thread job's parts, in order. */
export function partsOfJob(db: Writer, jobId: number): ThreadPart[] {
  return db
    .select()
    .from(threadParts)
    .where(eq(threadParts.jobId, jobId))
    .orderBy(asc(threadParts.position))
    .all();
}

export function setPartPostId(tx: Writer, id: number, postId: string): void {
  tx.update(threadParts).set({ postId }).where(eq(threadParts.id, id)).run();
}

/** A thread job ended (posted, refused, given up, cancelled): its parts go. */
export function dropPartsOfJob(tx: Writer, jobId: number): void {
  tx.delete(threadParts).where(eq(threadParts.jobId, jobId)).run();
}

/** DISCARD, LOGOUT, expiry: the thread being collected goes; returns how many parts it had. */
export function dropOpenParts(tx: Writer, phone: string): number {
  const dropped = openPartCount(tx, phone);
  tx.delete(threadParts).where(open(phone)).run();
  return dropped;
}
