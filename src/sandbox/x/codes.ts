import { createHash } from "node:crypto";
import { randomToken } from "./ids";

/** What the user agreed to on the consent page, waiting to be exchanged for tokens. */
export type Grant = {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  challengeMethod: "S256" | "plain";
  scope: string[];
  userId: string;
};

export type Redemption = { ok: true; grant: Grant } | { ok: false; description: string };

export type CodeStore = {
  issue(grant: Grant): string;
  redeem(code: string, attempt: { clientId: string; redirectUri: string; codeVerifier: string }): Redemption;
};

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const INVALID_CODE = "Value passed for the authorization code was invalid.";

export function createCodeStore(now: () => number): CodeStore {
  const codes = new Map<string, Grant & { expiresAt: number }>();
  return {
    issue(grant) {
      const code = randomToken();
      codes.set(code, { ...grant, expiresAt: now() + CODE_LIFETIME_MS });
      return code;
    },
    redeem(code, attempt) {
      const stored = codes.get(code);
      // Any attempt burns the code, so a leaked code cannot be tried against many verifiers.
      codes.delete(code);
      if (!stored || stored.expiresAt <= now() || stored.clientId !== attempt.clientId) {
        return { ok: false, description: INVALID_CODE };
      }
      if (stored.redirectUri !== attempt.redirectUri) {
        return {
          ok: false,
          description: "Value passed for the redirect uri did not match the uri of the authorization code.",
        };
      }
      if (!verifies(stored, attempt.codeVerifier)) {
        return {
          ok: false,
          description: "Value passed for the code verifier did not match the code challenge.",
        };
      }
      const { expiresAt: _, ...grant } = stored;
      return { ok: true, grant };
    },
  };
}

function verifies(grant: Grant, verifier: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  if (grant.challengeMethod === "plain") return verifier === grant.codeChallenge;
  return createHash("sha256").update(verifier).digest("base64url") === grant.codeChallenge;
}
