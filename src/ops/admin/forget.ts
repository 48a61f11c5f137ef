import { eraseNumber } from "../../db/erase";
import { getTexter } from "../../db/texters";
import { transact } from "../../db/transaction";
import { maskPhone } from "../../log";
import { disconnect } from "../../sms/commands/account";
import type { AdminConfig } from "./config";
import { withDatabase } from "./database";
import { done, type Outcome, refused } from "./report";

/**
 * `admin forget <phone>`: what DELETE + CONFIRM does, at the operator's hand: waiting posts cancelled,
 * the tokens revoked at X by a background job (the running app works it), every row about the number
 * erased now. No goodbye text: the texter did not ask by text.
 */
export function forget(config: AdminConfig, phone: string, now: number): Promise<Outcome> {
  return withDatabase(config.database, async (db) => {
    const masked = maskPhone(phone);
    const erased = await transact(db, async (tx) => {
      const row = await getTexter(tx, phone);
      if (!row) return null;
      const revoking = row.refreshToken !== null;
      const cancelled = await disconnect(tx, phone, now);
      await eraseNumber(tx, phone, Number.MAX_SAFE_INTEGER);
      return { revoking, cancelled };
    });
    if (erased === null) return refused(`${masked} is not known (never texted, or already erased)`);
    return done({
      data: { phone: masked, erased: true, cancelledPosts: erased.cancelled, revokeQueued: erased.revoking },
      lines: [
        `${masked} erased; ${erased.cancelled} waiting post(s) cancelled` +
          (erased.revoking ? "; its X tokens will be revoked by the running app" : ""),
      ],
    });
  });
}
