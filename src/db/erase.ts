import { and, eq, lte } from "drizzle-orm";
import { query } from "./sql";
import type { Writer } from "./transaction";

/**
 * DELETE + CONFIRM: every row about a number, in every table, in the caller's transaction (the one place
 * that deletes across tables). Texts stored after `upToMessageId` (the CONFIRM) are a new beginning and
 * stay for their own jobs. What remains: jobs (no phone once finished), hashed MessageSids.
 */
export async function eraseNumber(tx: Writer, phone: string, upToMessageId: number): Promise<void> {
  if (tx.dialect === "postgres") await blankFirst(tx, phone, upToMessageId);
  for (const name of ["threadParts", "posts", "authLinks", "outboundMessages", "texters"] as const) {
    await query(tx, (orm, t) => orm.delete(t[name]).where(eq(t[name].phone, phone)));
  }
  await query(tx, (orm, t) =>
    orm
      .delete(t.inboundMessages)
      .where(and(eq(t.inboundMessages.phone, phone), lte(t.inboundMessages.id, upToMessageId))),
  );
}

/**
 * PostgreSQL keeps a deleted row's last version as it was until (auto)vacuum reclaims it; blanking the
 * words, pictures and tokens first leaves that version without them. The versions before it linger until
 * vacuum too (MVCC; README, "Data kept"). SQLite needs none of this: `secure_delete` zeroes deleted rows.
 */
async function blankFirst(tx: Writer, phone: string, upToMessageId: number): Promise<void> {
  await query(tx, (orm, t) =>
    orm.update(t.threadParts).set({ body: "", media: [] }).where(eq(t.threadParts.phone, phone)),
  );
  await query(tx, (orm, t) =>
    orm.update(t.outboundMessages).set({ body: "" }).where(eq(t.outboundMessages.phone, phone)),
  );
  await query(tx, (orm, t) =>
    orm
      .update(t.texters)
      .set({ accessToken: null, refreshToken: null, pinMac: null, xHandle: null, xUserId: null })
      .where(eq(t.texters.phone, phone)),
  );
  await query(tx, (orm, t) =>
    orm
      .update(t.inboundMessages)
      .set({ body: "", media: [] })
      .where(and(eq(t.inboundMessages.phone, phone), lte(t.inboundMessages.id, upToMessageId))),
  );
}
