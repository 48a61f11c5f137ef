import { and, desc, eq, gte, isNull } from "drizzle-orm";
import { posts } from "./schema";
import type { Writer } from "./transaction";

/** The one module that changes `posts`: every post made by text, for UNDO and to tell ours from lost ones. */

export type PostRecord = typeof posts.$inferSelect;

export function recordPost(tx: Writer, phone: string, postId: string, now: number): void {
  tx.insert(posts).values({ phone, postId, createdAt: now }).run();
}

/** The newest post by text that UNDO has not deleted yet. */
export function latestLivePost(db: Writer, phone: string): PostRecord | undefined {
  return db
    .select()
    .from(posts)
    .where(and(eq(posts.phone, phone), isNull(posts.deletedAt)))
    .orderBy(desc(posts.id))
    .limit(1)
    .get();
}

export function markPostDeleted(tx: Writer, id: number, now: number): void {
  tx.update(posts).set({ deletedAt: now }).where(eq(posts.id, id)).run();
}

/** Ids of the number's posts recorded since `since`: never taken for a lost one of ours. */
export function postIdsSince(db: Writer, phone: string, since: number): Set<string> {
  const rows = db
    .select({ postId: posts.postId })
    .from(posts)
    .where(and(eq(posts.phone, phone), gte(posts.createdAt, since)))
    .all();
  return new Set(rows.map((row) => row.postId));
}

/**
 * When the number's newest `limit` posts were made, newest first (UNDO's deletions included: X billed
 * them). Read through the (phone, id) index, `limit` entries at most, however long the number's history.
 */
export function recentPostTimes(db: Writer, phone: string, limit: number): number[] {
  return db
    .select({ createdAt: posts.createdAt })
    .from(posts)
    .where(eq(posts.phone, phone))
    .orderBy(desc(posts.id))
    .limit(limit)
    .all()
    .map((row) => row.createdAt);
}
