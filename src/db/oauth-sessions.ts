import { and, eq, gt, lt } from "drizzle-orm";
import type { AuthLink } from "./auth-links";
import { query } from "./sql";
import { transact, type Writer } from "./transaction";

/** The one module that reads and changes `oauth_sessions` rows: sign-ins under way at X, by `state` hash. */

export type StoredSession = { codeVerifier: string; link: AuthLink };

/** Remembers a sign-in (its PKCE verifier already sealed); ones that ran out are swept away with it. */
export function insertOAuthSession(
  db: Writer,
  session: { stateHash: string; linkId: number; codeVerifier: string; expiresAt: number },
  now: number,
): Promise<void> {
  return transact(db, async (tx) => {
    await query(tx, (orm, t) => orm.delete(t.oauthSessions).where(lt(t.oauthSessions.expiresAt, now)));
    await query(tx, (orm, t) => orm.insert(t.oauthSessions).values(session));
  });
}

/** The live sign-in for this `state` hash, with the link it came from. */
export async function findOAuthSessionRow(
  db: Writer,
  stateHash: string,
  now: number,
): Promise<StoredSession | null> {
  const [row] = await query(db, (orm, t) =>
    orm
      .select()
      .from(t.oauthSessions)
      .innerJoin(t.authLinks, eq(t.authLinks.id, t.oauthSessions.linkId))
      .where(and(eq(t.oauthSessions.stateHash, stateHash), gt(t.oauthSessions.expiresAt, now)))
      .limit(1),
  );
  return row ? { codeVerifier: row.oauth_sessions.codeVerifier, link: row.auth_links } : null;
}

/** Ends the sign-in; false when it had already run out (or was ended), so it can no longer connect. */
export async function endOAuthSession(tx: Writer, stateHash: string, now: number): Promise<boolean> {
  const ended = await query(tx, (orm, t) =>
    orm
      .delete(t.oauthSessions)
      .where(eq(t.oauthSessions.stateHash, stateHash))
      .returning({ expiresAt: t.oauthSessions.expiresAt }),
  );
  return ended.some((row) => row.expiresAt > now);
}
