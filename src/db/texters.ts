import { and, eq, isNotNull, lt, or } from "drizzle-orm";
import type { texters } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/**
 * The one module that changes `t.texters` rows: every state a number can be in (connected, opted out, a thread
 * open, a deletion pending, locked) is written here, by name, so no caller updates the table directly.
 */

export type Texter = typeof texters.$inferSelect;

/** X tokens as stored: AES-GCM ciphertexts (x/tokens seals and opens them). */
export type StoredTokens = { accessToken: string; refreshToken: string; tokenExpiresAt: number };

export async function getTexter(db: Writer, phone: string): Promise<Texter | undefined> {
  const [row] = await query(db, (orm, t) => orm.select().from(t.texters).where(eq(t.texters.phone, phone)));
  return row;
}

/** Every row that holds a sealed token or a PIN's MAC: what a key rotation looks at. */
export function textersWithSecrets(db: Writer): Promise<Texter[]> {
  return query(db, (orm, t) =>
    orm
      .select()
      .from(t.texters)
      .where(or(isNotNull(t.texters.refreshToken), isNotNull(t.texters.pinMac))),
  );
}

/** The number's row, created on its first text. */
export async function ensureTexter(tx: Writer, phone: string, now: number): Promise<void> {
  await query(tx, (orm, t) => orm.insert(t.texters).values({ phone, createdAt: now }).onConflictDoNothing());
}

/** An account connected through a link: tokens and the X identity, created or replaced. */
export async function connectTexter(
  tx: Writer,
  phone: string,
  account: StoredTokens & { xUserId: string; xHandle: string },
  now: number,
): Promise<void> {
  const set = { ...account, connectedAt: now };
  await query(tx, (orm, t) =>
    orm
      .insert(t.texters)
      .values({ phone, createdAt: now, ...set })
      .onConflictDoUpdate({ target: t.texters.phone, set }),
  );
}

export async function forgetTokens(tx: Writer, phone: string): Promise<void> {
  await query(tx, (orm, t) =>
    orm
      .update(t.texters)
      .set({ accessToken: null, refreshToken: null, tokenExpiresAt: null })
      .where(eq(t.texters.phone, phone)),
  );
}

/**
 * Stores new ciphertexts only while the row still holds `expected` (a refresh token each works once: a
 * reconnect or another refresh meanwhile must win). False when the row had moved on.
 */
export async function replaceTokens(
  tx: Writer,
  phone: string,
  tokens: StoredTokens,
  expected: { refreshToken: string; accessToken?: string },
): Promise<boolean> {
  const rows = await query(tx, (orm, t) =>
    orm
      .update(t.texters)
      .set(tokens)
      .where(
        and(
          eq(t.texters.phone, phone),
          eq(t.texters.refreshToken, expected.refreshToken),
          expected.accessToken === undefined ? undefined : eq(t.texters.accessToken, expected.accessToken),
        ),
      )
      .returning({ phone: t.texters.phone }),
  );
  return rows.length > 0;
}

/** STOP (and Twilio's 21610): nothing more is sent to the number. Opting out also calls off a pending DELETE. */
export async function setOptedOut(tx: Writer, phone: string, optedOut: boolean): Promise<void> {
  const set = optedOut ? { optedOut, deleteRequestedAt: null } : { optedOut };
  await query(tx, (orm, t) => orm.update(t.texters).set(set).where(eq(t.texters.phone, phone)));
}

/** THREAD opens one (`at`), DONE, DISCARD, LOGOUT and expiry close it (null). */
export async function setThreadOpenedAt(tx: Writer, phone: string, at: number | null): Promise<void> {
  await query(tx, (orm, t) =>
    orm.update(t.texters).set({ threadOpenedAt: at }).where(eq(t.texters.phone, phone)),
  );
}

/** DELETE asks (`at`); any other text, or an opt-out, calls it off (null). */
export async function setDeleteRequestedAt(tx: Writer, phone: string, at: number | null): Promise<void> {
  await query(tx, (orm, t) =>
    orm.update(t.texters).set({ deleteRequestedAt: at }).where(eq(t.texters.phone, phone)),
  );
}

/** The lock's columns: a PIN's MAC and key id, and the times of wrong PINs (sms/commands/lock decides). */
export async function setLock(
  tx: Writer,
  phone: string,
  lock: { pinMac?: string | null; pinKeyId?: string | null; pinFailures: string },
): Promise<void> {
  await query(tx, (orm, t) => orm.update(t.texters).set(lock).where(eq(t.texters.phone, phone)));
}

/** Twilio reported a text to the number undeliverable with `code`: nothing more is sent until it texts us. */
export async function markUndeliverable(tx: Writer, phone: string, code: number, now: number): Promise<void> {
  await query(tx, (orm, t) =>
    orm
      .update(t.texters)
      .set({ undeliverableAt: now, undeliverableCode: code })
      .where(eq(t.texters.phone, phone)),
  );
}

/**
 * The number texted us at `textedAt`: it can take texts again, unless the mark is newer than that text
 * (a report about a reply sent after it). True when a mark was cleared.
 */
export async function clearUndeliverable(tx: Writer, phone: string, textedAt: number): Promise<boolean> {
  const rows = await query(tx, (orm, t) =>
    orm
      .update(t.texters)
      .set({ undeliverableAt: null, undeliverableCode: null })
      .where(and(eq(t.texters.phone, phone), lt(t.texters.undeliverableAt, textedAt)))
      .returning({ phone: t.texters.phone }),
  );
  return rows.length > 0;
}
