import { createCipher } from "../../crypto/cipher";
import { transientSecrets } from "../../db/reports";
import { replaceTokens, textersWithSecrets } from "../../db/texters";
import { transact } from "../../db/transaction";
import { maskPhone } from "../../log";
import { openTokens, sealTokens } from "../../x/tokens";
import type { AdminConfig, AdminKeys } from "./config";
import { withDatabase } from "./database";
import { done, type Outcome, type Report } from "./report";

type Remaining = { what: string; phone: string | null; why: string };

/**
 * `admin rotate-key`: seals every X token again under TOKEN_ENCRYPTION_KEY (the app also does it as each is
 * used), and lists what still needs TOKEN_ENCRYPTION_KEY_PREVIOUS: exit 1 until nothing does. What it
 * cannot re-seal itself: PIN MACs (the PIN is needed; each is re-MACed on its next correct PIN) and
 * short-lived secrets (links, sign-ins, revocations), which end within the hour.
 */
export function rotateKey(config: AdminConfig, keys: AdminKeys, now: number): Promise<Outcome> {
  return withDatabase(config.database, async (db) => {
    const cipher = await createCipher(keys.current, keys.previous);
    const rows = await textersWithSecrets(db);
    let resealed = 0;
    const remaining: Remaining[] = [];
    for (const row of rows) {
      const phone = maskPhone(row.phone);
      if (row.pinMac !== null && row.pinKeyId !== cipher.keyId) {
        remaining.push({ what: "PIN", phone, why: "re-MACed at its next correct PIN" });
      }
      const { accessToken, refreshToken, tokenExpiresAt } = row;
      if (accessToken === null || refreshToken === null) continue;
      if (!cipher.needsReencryption(accessToken) && !cipher.needsReencryption(refreshToken)) continue;
      const tokens = await openTokens(cipher, row.phone, { accessToken, refreshToken });
      if (tokens === null) {
        remaining.push({
          what: "X tokens",
          phone,
          why: "no configured key opens them: the texter must reconnect",
        });
        continue;
      }
      const sealed = await sealTokens(cipher, row.phone, { ...tokens, expiresAt: tokenExpiresAt ?? 0 });
      // Conditional, as the app's own re-sealing is: a refresh or reconnect meanwhile wins, and is current.
      if (await transact(db, (tx) => replaceTokens(tx, row.phone, sealed, { accessToken, refreshToken })))
        resealed++;
    }
    for (const secret of await transientSecrets(db, now)) {
      if (cipher.needsReencryption(secret.sealed)) {
        remaining.push({ what: secret.where, phone: null, why: "short-lived: gone within the hour" });
      }
    }
    const report: Report = {
      data: { keyId: cipher.keyId, resealed, remaining },
      tables: [
        {
          title: "Still needing the previous key",
          columns: ["what", "texter", "why"],
          rows: remaining.map((r) => [r.what, r.phone, r.why]),
        },
      ],
      lines: [`${resealed} texter(s)' X tokens re-encrypted under key ${cipher.keyId}`],
    };
    if (remaining.length === 0) return done(report);
    return {
      kind: "refused",
      reason: `${remaining.length} secret(s) still need TOKEN_ENCRYPTION_KEY_PREVIOUS: keep it set and run rotate-key again later`,
      data: report.data,
      report,
    };
  });
}
