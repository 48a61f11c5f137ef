import { and, count, desc, eq, gt, isNull } from "drizzle-orm";
import { lockCap } from "./locks";
import type { authLinks } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/**
 * The one module that reads and changes `auth_links` rows. A link is stored only as the hash of its token;
 * src/auth decides when one may be issued and what it is worth.
 */

export type AuthLink = typeof authLinks.$inferSelect;

/** The newest link's times, while it can still connect an account. */
export type LiveLink = { createdAt: number; expiresAt: number };

/** Stores a new link and retires the number's older unused ones: only the newest link works. */
export async function insertLink(
  tx: Writer,
  link: { tokenHash: string; phone: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await query(tx, (orm, t) =>
    orm
      .update(t.authLinks)
      .set({ usedAt: link.createdAt })
      .where(and(eq(t.authLinks.phone, link.phone), isNull(t.authLinks.usedAt))),
  );
  await query(tx, (orm, t) => orm.insert(t.authLinks).values(link));
}

/** The number's newest link, while it can still connect an account. */
export async function liveLink(db: Writer, phone: string, now: number): Promise<LiveLink | null> {
  const [last] = await query(db, (orm, t) =>
    orm
      .select({ createdAt: t.authLinks.createdAt, expiresAt: t.authLinks.expiresAt })
      .from(t.authLinks)
      .where(and(eq(t.authLinks.phone, phone), isNull(t.authLinks.usedAt), gt(t.authLinks.expiresAt, now)))
      .orderBy(desc(t.authLinks.createdAt))
      .limit(1),
  );
  return last ?? null;
}

/** When the number's links since `since` were created, oldest first (through the phone index). */
export async function linkTimesSince(db: Writer, phone: string, since: number): Promise<number[]> {
  const rows = await query(db, (orm, t) =>
    orm
      .select({ createdAt: t.authLinks.createdAt })
      .from(t.authLinks)
      .where(and(eq(t.authLinks.phone, phone), gt(t.authLinks.createdAt, since)))
      .orderBy(t.authLinks.createdAt),
  );
  return rows.map((row) => row.createdAt);
}

/**
 * How many links went out, to anyone, since `since`. In a transaction that then issues one, other
 * replicas' counts wait for it to end (`lockCap`).
 */
export async function linksIssuedSince(db: Writer, since: number): Promise<number> {
  await lockCap(db, "links");
  const [row] = await query(db, (orm, t) =>
    orm.select({ n: count() }).from(t.authLinks).where(gt(t.authLinks.createdAt, since)),
  );
  return row?.n ?? 0;
}

/** Whether the number was ever sent a link that is still on record. */
export async function hadLink(db: Writer, phone: string): Promise<boolean> {
  const rows = await query(db, (orm, t) =>
    orm.select({ id: t.authLinks.id }).from(t.authLinks).where(eq(t.authLinks.phone, phone)).limit(1),
  );
  return rows.length > 0;
}

/** The link with this token hash, if it can still connect an account. Never changes anything. */
export async function findUsableLink(
  db: Writer,
  tokenHash: string,
  now: number,
): Promise<AuthLink | undefined> {
  const [link] = await query(db, (orm, t) =>
    orm
      .select()
      .from(t.authLinks)
      .where(
        and(eq(t.authLinks.tokenHash, tokenHash), isNull(t.authLinks.usedAt), gt(t.authLinks.expiresAt, now)),
      )
      .limit(1),
  );
  return link;
}

/** Until when the link can still connect an account, read afresh; null once it is used, replaced or gone. */
export async function linkUsableUntil(db: Writer, linkId: number, now: number): Promise<number | null> {
  const [row] = await query(db, (orm, t) =>
    orm
      .select({ expiresAt: t.authLinks.expiresAt })
      .from(t.authLinks)
      .where(and(eq(t.authLinks.id, linkId), isNull(t.authLinks.usedAt), gt(t.authLinks.expiresAt, now)))
      .limit(1),
  );
  return row?.expiresAt ?? null;
}

/** Uses up every open link of the number; false when this one was already used (a second callback). */
export async function consumeLinks(tx: Writer, link: AuthLink, now: number): Promise<boolean> {
  const used = await query(tx, (orm, t) =>
    orm
      .update(t.authLinks)
      .set({ usedAt: now })
      .where(and(eq(t.authLinks.id, link.id), isNull(t.authLinks.usedAt)))
      .returning({ id: t.authLinks.id }),
  );
  if (used.length === 0) return false;
  await query(tx, (orm, t) =>
    orm
      .update(t.authLinks)
      .set({ usedAt: now })
      .where(and(eq(t.authLinks.phone, link.phone), isNull(t.authLinks.usedAt))),
  );
  return true;
}
