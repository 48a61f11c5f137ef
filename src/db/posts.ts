import { and, desc, eq, gte, isNull } from "drizzle-orm";
import type { posts } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/** The one module that changes `t.posts`: every post made by text, for UNDO and to tell ours from lost ones. */

export type PostRecord = typeof posts.$inferSelect;

export async function recordPost(tx: Writer, phone: string, postId: string, now: number): Promise<void> {
  await query(tx, (orm, t) => orm.insert(t.posts).values({ phone, postId, createdAt: now }));
}

/** The newest post by text that UNDO has not deleted yet. */
export async function latestLivePost(db: Writer, phone: string): Promise<PostRecord | undefined> {
  const [row] = await query(db, (orm, t) =>
    orm
      .select()
      .from(t.posts)
      .where(and(eq(t.posts.phone, phone), isNull(t.posts.deletedAt)))
      .orderBy(desc(t.posts.id))
      .limit(1),
  );
  return row;
}

export async function markPostDeleted(tx: Writer, id: number, now: number): Promise<void> {
  await query(tx, (orm, t) => orm.update(t.posts).set({ deletedAt: now }).where(eq(t.posts.id, id)));
}

/** Ids of the number's t.posts recorded since `since`: never taken for a lost one of ours. */
export async function postIdsSince(db: Writer, phone: string, since: number): Promise<Set<string>> {
  const rows = await query(db, (orm, t) =>
    orm
      .select({ postId: t.posts.postId })
      .from(t.posts)
      .where(and(eq(t.posts.phone, phone), gte(t.posts.createdAt, since))),
  );
  return new Set(rows.map((row) => row.postId));
}

/**
 * When the number's newest `limit` t.posts were made, newest first (UNDO's deletions included: X billed
 * them). Read through the (phone, id) index, `limit` entries at most, however long the number's history.
 */
export async function recentPostTimes(db: Writer, phone: string, limit: number): Promise<number[]> {
  const rows = await query(db, (orm, t) =>
    orm
      .select({ createdAt: t.posts.createdAt })
      .from(t.posts)
      .where(eq(t.posts.phone, phone))
      .orderBy(desc(t.posts.id))
      .limit(limit),
  );
  return rows.map((row) => row.createdAt);
}
