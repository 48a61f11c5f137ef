import { and, eq, gt, lt } from "drizzle-orm";
import { type Cipher, DecryptionError } from "../crypto/cipher";
import { sha256 } from "../crypto/random";
import type { Database } from "../db/client";
import { authLinks, oauthSessions } from "../db/schema";
import { transact, type Writer } from "../db/transaction";
import type { AuthLink } from "./links";

/** How long a browser may spend on X's consent page. */
export const OAUTH_SESSION_TTL_MS = 10 * 60_000;

/** Remembers an OAuth attempt by the hash of its `state`; the PKCE verifier is kept encrypted. */
export async function startOAuthSession(
  db: Database,
  cipher: Cipher,
  attempt: { linkId: number; state: string; codeVerifier: string },
  now: number,
): Promise<void> {
  const stateHash = sha256(attempt.state);
  const codeVerifier = await cipher.encrypt(attempt.codeVerifier, `pkce:${stateHash}`);
  transact(db, (tx) => {
    tx.delete(oauthSessions).where(lt(oauthSessions.expiresAt, now)).run();
    tx.insert(oauthSessions)
      .values({ stateHash, linkId: attempt.linkId, codeVerifier, expiresAt: now + OAUTH_SESSION_TTL_MS })
      .run();
  });
}

export type OAuthSession = { stateHash: string; codeVerifier: string; link: AuthLink };

/** The live attempt for `state`, with the link it came from; null when there is none we can finish. */
export async function findOAuthSession(
  db: Database,
  cipher: Cipher,
  state: string,
  now: number,
): Promise<OAuthSession | null> {
  const stateHash = sha256(state);
  const row = db
    .select()
    .from(oauthSessions)
    .innerJoin(authLinks, eq(authLinks.id, oauthSessions.linkId))
    .where(and(eq(oauthSessions.stateHash, stateHash), gt(oauthSessions.expiresAt, now)))
    .get();
  if (!row) return null;
  try {
    const codeVerifier = await cipher.decrypt(row.oauth_sessions.codeVerifier, `pkce:${stateHash}`);
    return { stateHash, codeVerifier, link: row.auth_links };
  } catch (error) {
    // Sealed under a key this process no longer has (a restart with a new TOKEN_ENCRYPTION_KEY mid
    // sign-in): the attempt cannot finish, and the browser is told to start again like any stale one.
    if (error instanceof DecryptionError) return null;
    throw error;
  }
}

/** Ends the attempt; false when it had already run out (or was ended), so it can no longer connect. */
export function endOAuthSession(tx: Writer, stateHash: string, now: number): boolean {
  const ended = tx
    .delete(oauthSessions)
    .where(eq(oauthSessions.stateHash, stateHash))
    .returning({ expiresAt: oauthSessions.expiresAt })
    .all();
  return ended.some((row) => row.expiresAt > now);
}
