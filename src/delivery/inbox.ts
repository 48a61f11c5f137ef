import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { inboundMessages } from "../db/schema";
import type { Writer } from "../db/transaction";
import { dueHeadOfLane } from "./head-of-lane";

export type InboundMessage = typeof inboundMessages.$inferSelect;

export type MediaItem = { url: string; contentType: string };

export type NewInbound = { sid: string; phone: string; body: string; media: readonly MediaItem[] };

/** Stores a text once per MessageSid; false when Twilio delivered this one before. */
export function storeInbound(db: Database, message: NewInbound, now: number): boolean {
  const inserted = db
    .insert(inboundMessages)
    .values({
      sid: message.sid,
      phone: message.phone,
      body: message.body,
      media: JSON.stringify(message.media),
      receivedAt: now,
      nextAttemptAt: now,
    })
    .onConflictDoNothing({ target: inboundMessages.sid })
    .returning({ id: inboundMessages.id })
    .all();
  return inserted.length > 0;
}

/** The oldest pending text of each number that is due: per-number order, numbers side by side. */
export function dueInbound(db: Database, now: number, limit: number): InboundMessage[] {
  return db
    .select()
    .from(inboundMessages)
    .where(dueHeadOfLane(inboundMessages, now))
    .orderBy(inboundMessages.id)
    .limit(limit)
    .all();
}

export function completeInbound(tx: Writer, id: number, outcome: string, postId: string | null = null): void {
  tx.update(inboundMessages).set({ status: "done", outcome, postId }).where(eq(inboundMessages.id, id)).run();
}

export function recordAttempt(tx: Writer, id: number, attempts: number): void {
  tx.update(inboundMessages).set({ attempts }).where(eq(inboundMessages.id, id)).run();
}

export function rescheduleInbound(tx: Writer, id: number, attempts: number, at: number): void {
  tx.update(inboundMessages).set({ attempts, nextAttemptAt: at }).where(eq(inboundMessages.id, id)).run();
}
