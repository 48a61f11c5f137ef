import { and, eq, lt } from "drizzle-orm";
import { texters } from "./schema";
import type { Writer } from "./transaction";

/**
 * The one module that changes `texters` rows: every state a number can be in (connected, opted out, a thread
 * open, a deletion pending, locked) is written here, by name, so no caller updates the table directly.
 */

export type Texter = typeof texters.$inferSelect;

/** X tokens as stored: AES-GCM ciphertexts (x/tokens seals and opens them). */
export type StoredTokens = { accessToken: string; refreshToken: string; tokenExpiresAt: number };

export function getTexter(db: Writer, phone: string): Texter | undefined {
  return db.select().from(texters).where(eq(texters.phone, phone)).get();
}

/** The number's row, created on its first text. */
export function ensureTexter(tx: Writer, phone: string, now: number): void {
  tx.insert(texters).values({ phone, createdAt: now }).onConflictDoNothing().run();
}

/** An account connected through a link: tokens and the X identity, created or replaced. */
export function connectTexter(
  tx: Writer,
  phone: string,
  account: StoredTokens & { xUserId: string; xHandle: string },
  now: number,
): void {
  const set = { ...account, connectedAt: now };
  tx.insert(texters)
    .values({ phone, createdAt: now, ...set })
    .onConflictDoUpdate({ target: texters.phone, set })
    .run();
}

export function forgetTokens(tx: Writer, phone: string): void {
  tx.update(texters)
    .set({ accessToken: null, refreshToken: null, tokenExpiresAt: null })
    .where(eq(texters.phone, phone))
    .run();
}

/**
 * Stores new ciphertexts only while the row still holds `expected` (a refresh token each works once: a
 * reconnect or another refresh meanwhile must win). False when the row had moved on.
 */
export function replaceTokens(
  tx: Writer,
  phone: string,
  tokens: StoredTokens,
  expected: { refreshToken: string; accessToken?: string },
): boolean {
  const conditions = [eq(texters.phone, phone), eq(texters.refreshToken, expected.refreshToken)];
  if (expected.accessToken !== undefined) conditions.push(eq(texters.accessToken, expected.accessToken));
  return (
    tx
      .update(texters)
      .set(tokens)
      .where(and(...conditions))
      .returning({ phone: texters.phone })
      .all().length > 0
  );
}

/** STOP (and Twilio's 21610): nothing more is sent to the number. Opting out also calls off a pending DELETE. */
export function setOptedOut(tx: Writer, phone: string, optedOut: boolean): void {
  const set = optedOut ? { optedOut, deleteRequestedAt: null } : { optedOut };
  tx.update(texters).set(set).where(eq(texters.phone, phone)).run();
}

/** THREAD opens one (`at`), DONE, DISCARD, LOGOUT and expiry close it (null). */
export function setThreadOpenedAt(tx: Writer, phone: string, at: number | null): void {
  tx.update(texters).set({ threadOpenedAt: at }).where(eq(texters.phone, phone)).run();
}

/** DELETE asks (`at`); any other text, or an opt-out, calls it off (null). */
export function setDeleteRequestedAt(tx: Writer, phone: string, at: number | null): void {
  tx.update(texters).set({ deleteRequestedAt: at }).where(eq(texters.phone, phone)).run();
}

/** The lock's columns: a PIN's MAC and key id, and the times of wrong PINs (sms/commands/lock decides). */
export function setLock(
  tx: Writer,
  phone: string,
  lock: { pinMac?: string | null; pinKeyId?: string | null; pinFailures: string },
): void {
  tx.update(texters).set(lock).where(eq(texters.phone, phone)).run();
}

/** Twilio reported a text to the number undeliverable with `code`: nothing more is sent until it texts us. */
export function markUndeliverable(tx: Writer, phone: string, code: number, now: number): void {
  tx.update(texters)
    .set({ undeliverableAt: now, undeliverableCode: code })
    .where(eq(texters.phone, phone))
    .run();
}

/**
 * The number texted us at `textedAt`: it can take texts again, unless the mark is newer than that text
 * (a report about a reply sent after it). True when a mark was cleared.
 */
export function clearUndeliverable(tx: Writer, phone: string, textedAt: number): boolean {
  return (
    tx
      .update(texters)
      .set({ undeliverableAt: null, undeliverableCode: null })
      .where(and(eq(texters.phone, phone), lt(texters.undeliverableAt, textedAt)))
      .returning({ phone: texters.phone })
      .all().length > 0
  );
}
