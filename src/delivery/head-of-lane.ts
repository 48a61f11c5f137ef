import { type SQL, sql } from "drizzle-orm";
import type { inboundMessages, outboundMessages } from "../db/schema";

type QueueTable = typeof inboundMessages | typeof outboundMessages;

/**
 * A pending row that is due and is its number's oldest pending row. Only a lane's head may run:
 * a later text must wait behind one that is backing off, or texts would overtake each other.
 * The (status, phone, id) index of both tables answers the inner MIN.
 */
export function dueHeadOfLane(table: QueueTable, now: number): SQL {
  return sql`${table.status} = 'pending' AND ${table.nextAttemptAt} <= ${now} AND ${table.id} = (
    SELECT MIN(q.id) FROM ${table} q WHERE q.phone = ${table.phone} AND q.status = 'pending')`;
}
