import { and, desc, eq, gte, isNull } from "drizzle-orm";
import { posts } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/** The one module that changes `posts`: every post made by text, for UNDO and to tell ours from lost ones. */

export type PostRecord = typeof posts.$inferSelect;

export async function recordPost(tx: Writer, phone: string, postId: string, now: number): Promise<void> {
  await query(tx, (orm) => orm.insert(posts).values({ phone, postId, createdAt: now }));
}

/** The newest post by text that UNDO has not deleted yet. */
export async function latestLivePost(db: Writer, phone: string): Promise<PostRecord | undefined> {
  const [row] = await query(db, (orm) =>
    orm
      .select()
      .from(posts)
      .where(and(eq(posts.phone, phone), isNull(posts.deletedAt)))
      .orderBy(desc(posts.id))
      .limit(1),
  );
  return row;
}

export async function markPostDeleted(tx: Writer, id: number, now: number): Promise<void> {
  await query(tx, (orm) => orm.update(posts).set({ deletedAt: now }).where(eq(posts.id, id)));
}

/** Ids of the number's posts recorded since `since`: never taken for a lost one of ours. */
export async function postIdsSince(db: Writer, phone: string, since: number): Promise<Set<string>> {
  const rows = await query(db, (orm) =>
    orm
      .select({ postId: posts.postId })
      .from(posts)
      .where(and(eq(posts.phone, phone), gte(posts.createdAt, since))),
  );
  return new Set(rows.map((row) => row.postId));
}

/**
 * When the number's newest `limit` posts were made, newest first (UNDO's deletions included: X billed
 * them). Read through the (phone, id) index, `limit` entries at most, however long the number's history.
 */
export async function recentPostTimes(db: Writer, phone: string, limit: number): Promise<number[]> {
  const rows = await query(db, (orm) =>
    orm
      .select({ createdAt: posts.createdAt })
      .from(posts)
      .where(eq(posts.phone, phone))
      .orderBy(desc(posts.id))
      .limit(limit),
  );
  return rows.map((row) => row.createdAt);
}
