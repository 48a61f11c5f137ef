import { and, eq, lte } from "drizzle-orm";
import { authLinks, inboundMessages, outboundMessages, posts, texters, threadParts } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/**
 * DELETE + CONFIRM: every row about a number, in every table, in the caller's transaction (the one place
 * that deletes across tables). Texts stored after `upToMessageId` (the CONFIRM) are a new beginning and
 * stay for their own jobs. What remains: jobs (no phone once finished), hashed MessageSids.
 */
export async function eraseNumber(tx: Writer, phone: string, upToMessageId: number): Promise<void> {
  for (const table of [threadParts, posts, authLinks, outboundMessages, texters]) {
    await query(tx, (orm) => orm.delete(table).where(eq(table.phone, phone)));
  }
  await query(tx, (orm) =>
    orm
      .delete(inboundMessages)
      .where(and(eq(inboundMessages.phone, phone), lte(inboundMessages.id, upToMessageId))),
  );
}
