import { and, count, desc, eq, gt, isNull } from "drizzle-orm";
import type { Cipher } from "../crypto/cipher";
import { randomToken, sha256 } from "../crypto/random";
import type { Database } from "../db/client";
import { authLinks } from "../db/schema";
import type { Writer } from "../db/transaction";
import { LIMIT_WINDOW_MS } from "../sms/limits";

export const LINK_TTL_MS = 15 * 60_000;
/** Spec: at most one new link per number per few minutes (each link costs an SMS). */
export const LINK_COOLDOWN_MS = 3 * 60_000;
/** Where an SMS body puts the link; filled in at send time so the token is never stored in clear. */
export const LINK_PLACEHOLDER = "{link}";

export type AuthLink = typeof authLinks.$inferSelect;

export type PreparedLink = { tokenHash: string; sealedToken: string };

/** The async half of issuing a link (randomness, encryption), done before the transaction. */
export async function prepareLink(cipher: Cipher, phone: string): Promise<PreparedLink> {
  const token = randomToken();
  return { tokenHash: sha256(token), sealedToken: await cipher.encrypt(token, linkContext(phone)) };
}

/** Stores a new link and retires the number's older unused ones: only the newest link works. */
export function insertLink(tx: Writer, phone: string, link: PreparedLink, now: number): void {
  tx.update(authLinks)
    .set({ usedAt: now })
    .where(and(eq(authLinks.phone, phone), isNull(authLinks.usedAt)))
    .run();
  tx.insert(authLinks)
    .values({ tokenHash: link.tokenHash, phone, createdAt: now, expiresAt: now + LINK_TTL_MS })
    .run();
}

/** The link this number was sent too recently to send another (it still works), if any. */
export function linkCoolingDown(
  db: Writer,
  phone: string,
  now: number,
): { createdAt: number; expiresAt: number } | null {
  const last = db
    .select({ createdAt: authLinks.createdAt, expiresAt: authLinks.expiresAt })
    .from(authLinks)
    .where(and(eq(authLinks.phone, phone), isNull(authLinks.usedAt), gt(authLinks.expiresAt, now)))
    .orderBy(desc(authLinks.createdAt))
    .limit(1)
    .get();
  return last !== undefined && now - last.createdAt < LINK_COOLDOWN_MS ? last : null;
}

/**
 * True when `perHour` links were issued in the last hour, to anyone: the cooldown stops one number
 * asking over and over, this stops many numbers (or many spoofed ones) asking once each.
 */
export function linkCapReached(db: Writer, now: number, perHour: number): boolean {
  const row = db
    .select({ n: count() })
    .from(authLinks)
    .where(gt(authLinks.createdAt, now - LIMIT_WINDOW_MS))
    .get();
  return (row?.n ?? 0) >= perHour;
}

/** The link a token opens, if it can still connect an account. Never changes anything. */
export function findUsableLink(db: Database, token: string, now: number): AuthLink | undefined {
  return db
    .select()
    .from(authLinks)
    .where(
      and(eq(authLinks.tokenHash, sha256(token)), isNull(authLinks.usedAt), gt(authLinks.expiresAt, now)),
    )
    .get();
}

/** Until when the link can still connect an account, read afresh; null once it is used, replaced or gone. */
export function linkUsableUntil(db: Writer, linkId: number, now: number): number | null {
  const row = db
    .select({ expiresAt: authLinks.expiresAt })
    .from(authLinks)
    .where(and(eq(authLinks.id, linkId), isNull(authLinks.usedAt), gt(authLinks.expiresAt, now)))
    .get();
  return row?.expiresAt ?? null;
}

/** Uses up every open link of the number; false when this one was already used (a second callback). */
export function consumeLinks(tx: Writer, link: AuthLink, now: number): boolean {
  const used = tx
    .update(authLinks)
    .set({ usedAt: now })
    .where(and(eq(authLinks.id, link.id), isNull(authLinks.usedAt)))
    .returning({ id: authLinks.id })
    .all();
  if (used.length === 0) return false;
  tx.update(authLinks)
    .set({ usedAt: now })
    .where(and(eq(authLinks.phone, link.phone), isNull(authLinks.usedAt)))
    .run();
  return true;
}

export function linkContext(phone: string): string {
  return `link:${phone}`;
}

export function linkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/auth/${token}`;
}
