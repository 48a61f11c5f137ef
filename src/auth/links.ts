import type { Cipher } from "../crypto/cipher";
import { randomToken, sha256 } from "../crypto/random";
import {
  type AuthLink,
  findUsableLink as findLinkByHash,
  hadLink,
  type LiveLink,
  linksIssuedSince,
  linkTimesSince,
  liveLink,
  insertLink as storeLink,
} from "../db/auth-links";
import type { Writer } from "../db/transaction";
import { DAY_WINDOW_MS, LIMIT_WINDOW_MS } from "../sms/limits";

export type { AuthLink, LiveLink } from "../db/auth-links";
export { consumeLinks, linkUsableUntil, liveLink } from "../db/auth-links";

export const LINK_TTL_MS = 15 * 60_000;
/** Spec: at most one new link per number per few minutes (each link costs an SMS). */
export const LINK_COOLDOWN_MS = 3 * 60_000;
/** Where an SMS body puts the link; filled in at send time so the token is never stored in clear. */
export const LINK_PLACEHOLDER = "{link}";

export type PreparedLink = { tokenHash: string; sealedToken: string };

/** The async half of issuing a link (randomness, encryption), done before the transaction. */
export async function prepareLink(cipher: Cipher, phone: string): Promise<PreparedLink> {
  const token = randomToken();
  return { tokenHash: sha256(token), sealedToken: await cipher.encrypt(token, linkContext(phone)) };
}

/** Stores a new link, valid for LINK_TTL_MS; the number's older unused ones stop working. */
export function insertLink(tx: Writer, phone: string, link: PreparedLink, now: number): Promise<void> {
  return storeLink(tx, { tokenHash: link.tokenHash, phone, createdAt: now, expiresAt: now + LINK_TTL_MS });
}

/** The link this number was sent too recently to send another (it still works), if any. */
export async function linkCoolingDown(db: Writer, phone: string, now: number): Promise<LiveLink | null> {
  const last = await liveLink(db, phone, now);
  return last !== null && now - last.createdAt < LINK_COOLDOWN_MS ? last : null;
}

export type LinkRoom =
  | { kind: "room" }
  /** The number had its links for the day: `nextAt` one may be issued again; `lastAt` the newest went out. */
  | { kind: "number_cap"; nextAt: number; lastAt: number }
  /** The hour's links (for a number that had one before: its share of them) are used up. */
  | { kind: "global_cap" };

export type LinkCaps = {
  perNumberPerDay: number;
  perHour: number;
  /** What numbers that had a link before may take of `perHour` (see sms/limits). */
  repeatPerHour: number;
};

/**
 * Whether a link may be issued to the number now. Each link is a text: the per-number daily cap stops a
 * few numbers from using up the hourly cap, and the hourly cap, of which numbers asking again get only
 * a share, stops many numbers asking once each. Read where the link is issued, in its transaction.
 */
export async function linkRoom(
  db: Writer,
  phone: string,
  now: number,
  caps: LinkCaps,
  /** The number was connected once: its next link is a repeat even after its links were pruned. */
  connectedBefore: boolean,
): Promise<LinkRoom> {
  const today = await linkTimesSince(db, phone, now - DAY_WINDOW_MS);
  if (today.length >= caps.perNumberPerDay) {
    const freed = today[today.length - caps.perNumberPerDay] ?? now;
    return { kind: "number_cap", nextAt: freed + DAY_WINDOW_MS, lastAt: today.at(-1) ?? now };
  }
  const first = !connectedBefore && today.length === 0 && !(await hadLink(db, phone));
  const hour = await linksIssuedSince(db, now - LIMIT_WINDOW_MS);
  return hour >= (first ? caps.perHour : caps.repeatPerHour) ? { kind: "global_cap" } : { kind: "room" };
}

/** The link a token opens, if it can still connect an account. Never changes anything. */
export function findUsableLink(db: Writer, token: string, now: number): Promise<AuthLink | undefined> {
  return findLinkByHash(db, sha256(token), now);
}

export function linkContext(phone: string): string {
  return `link:${phone}`;
}

export function linkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/auth/${token}`;
}
