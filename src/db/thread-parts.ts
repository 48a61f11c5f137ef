import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type { MediaItem, threadParts } from "./schema";
import { query, type Tables } from "./sql";
import type { Writer } from "./transaction";

/**
 * The one module that changes `thread_parts`. A part belongs to the thread being collected until DONE hands
 * it to a `thread` job (`job_id`); its post id is set as soon as X has it, the resume point after a crash.
 */

export type ThreadPart = typeof threadParts.$inferSelect;

const open = (t: Tables, phone: string) => and(eq(t.threadParts.phone, phone), isNull(t.threadParts.jobId));

/** Parts of the thread being collected. */
export async function openPartCount(db: Writer, phone: string): Promise<number> {
  const [row] = await query(db, (orm, t) =>
    orm
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(t.threadParts)
      .where(open(t, phone)),
  );
  return row?.n ?? 0;
}

/** Appends a part to the thread being collected; positions run on across threads, so they never collide. */
export async function appendPart(
  tx: Writer,
  part: { phone: string; body: string; media: MediaItem[] },
  now: number,
): Promise<void> {
  const [last] = await query(tx, (orm, t) =>
    orm
      .select({ n: sql<number>`coalesce(max(position), 0)`.mapWith(Number) })
      .from(t.threadParts)
      .where(eq(t.threadParts.phone, part.phone)),
  );
  await query(tx, (orm, t) =>
    orm.insert(t.threadParts).values({ ...part, position: (last?.n ?? 0) + 1, createdAt: now }),
  );
}

/** The newest part of the thread being collected, if any. */
export async function lastOpenPart(db: Writer, phone: string): Promise<ThreadPart | undefined> {
  const [row] = await query(db, (orm, t) =>
    orm.select().from(t.threadParts).where(open(t, phone)).orderBy(desc(t.threadParts.position)).limit(1),
  );
  return row;
}

export async function removePart(tx: Writer, id: number): Promise<void> {
  await query(tx, (orm, t) => orm.delete(t.threadParts).where(eq(t.threadParts.id, id)));
}

/** DONE: the thread being collected becomes the job's. */
export async function handOpenParts(tx: Writer, phone: string, jobId: number | null): Promise<void> {
  await query(tx, (orm, t) => orm.update(t.threadParts).set({ jobId }).where(open(t, phone)));
}

/** A thread job's parts, in order. */
export function partsOfJob(db: Writer, jobId: number): Promise<ThreadPart[]> {
  return query(db, (orm, t) =>
    orm
      .select()
      .from(t.threadParts)
      .where(eq(t.threadParts.jobId, jobId))
      .orderBy(asc(t.threadParts.position)),
  );
}

export async function setPartPostId(tx: Writer, id: number, postId: string): Promise<void> {
  await query(tx, (orm, t) => orm.update(t.threadParts).set({ postId }).where(eq(t.threadParts.id, id)));
}

/** A thread job ended (posted, refused, given up, cancelled): its parts go. */
export async function dropPartsOfJob(tx: Writer, jobId: number): Promise<void> {
  await query(tx, (orm, t) => orm.delete(t.threadParts).where(eq(t.threadParts.jobId, jobId)));
}

/** DISCARD, LOGOUT, expiry: the thread being collected goes; returns how many parts it had. */
export async function dropOpenParts(tx: Writer, phone: string): Promise<number> {
  const dropped = await openPartCount(tx, phone);
  await query(tx, (orm, t) => orm.delete(t.threadParts).where(open(t, phone)));
  return dropped;
}
