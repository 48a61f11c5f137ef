import { type Cipher, DecryptionError } from "../crypto/cipher";
import { sha256 } from "../crypto/random";
import type { AuthLink } from "../db/auth-links";
import type { Database } from "../db/client";
import { findOAuthSessionRow, insertOAuthSession } from "../db/oauth-sessions";

export { endOAuthSession } from "../db/oauth-sessions";

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
  const session = { stateHash, linkId: attempt.linkId, codeVerifier, expiresAt: now + OAUTH_SESSION_TTL_MS };
  await insertOAuthSession(db, session, now);
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
  const row = await findOAuthSessionRow(db, stateHash, now);
  if (!row) return null;
  try {
    const codeVerifier = await cipher.decrypt(row.codeVerifier, `pkce:${stateHash}`);
    return { stateHash, codeVerifier, link: row.link };
  } catch (error) {
    // Sealed under a key this process no longer has (a restart with a new TOKEN_ENCRYPTION_KEY mid
    // sign-in): the attempt cannot finish, and the browser is told to start again like any stale one.
    if (error instanceof DecryptionError) return null;
    throw error;
  }
}
