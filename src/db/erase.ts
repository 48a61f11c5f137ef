import { and, eq, lte } from "drizzle-orm";
import { query } from "./sql";
import type { Writer } from "./transaction";

/**
 * DELETE + CONFIRM: every row about a number, in every table, in the caller's transaction (the one place
 * that deletes across tables). Texts stored after `upToMessageId` (the CONFIRM) are a new beginning and
 * stay for their own jobs. What remains: jobs (no phone once finished), hashed MessageSids.
 */
export async function eraseNumber(tx: Writer, phone: string, upToMessageId: number): Promise<void> {
  for (const name of ["threadParts", "posts", "authLinks", "outboundMessages", "texters"] as const) {
    await query(tx, (orm, t) => orm.delete(t[name]).where(eq(t[name].phone, phone)));
  }
  await query(tx, (orm, t) =>
    orm
      .delete(t.inboundMessages)
      .where(and(eq(t.inboundMessages.phone, phone), lte(t.inboundMessages.id, upToMessageId))),
  );
}
