import { and, count, eq, gt, gte, type SQL, sql } from "drizzle-orm";
import { addJob } from "./jobs";
import { lockCapNear } from "./locks";
import type { DeliveryStatus, OutboundKind, outboundMessages } from "./schema";
import { type Dialect, query, type Tables } from "./sql";
import { type Tx, transact, type Writer } from "./transaction";

/** The cost guard's limits, counted over this window (see sms/limits). */
export type SendLimits = {
  perNumberPerHour: number;
  globalPerHour: number;
  /** Of `globalPerHour`, what texts without a one-time link may use: the rest is kept for links. */
  besideLinksPerHour: number;
  windowMs: number;
};

export type OutboundText = typeof outboundMessages.$inferSelect;

/** The job that sends a text: one lane per number, so a texter's replies arrive in order. */
export const SMS_JOB = "sms";
export const smsLane = (phone: string): string => `sms:${phone}`;

/** Queues a text inside the caller's transaction: it goes out only if the rest of the step commits. */
export async function enqueueText(
  tx: Writer,
  text: {
    phone: string;
    body: string;
    secret?: string | undefined;
    eraseWhenDone?: boolean;
    kind?: OutboundKind;
  },
  now: number,
): Promise<void> {
  const [row] = await query(tx, (orm, t) =>
    orm
      .insert(t.outboundMessages)
      .values({
        phone: text.phone,
        body: text.body,
        secret: text.secret ?? null,
        createdAt: now,
        nextAttemptAt: now,
        eraseWhenDone: text.eraseWhenDone ?? false,
        kind: text.kind ?? "reply",
      })
      .returning({ id: t.outboundMessages.id }),
  );
  if (row === undefined) throw new Error("the text's insert returned no row");
  await addJob(tx, { kind: SMS_JOB, lane: smsLane(text.phone), payload: { outboundId: row.id } }, now);
}

export async function getText(db: Writer, id: number): Promise<OutboundText | undefined> {
  const [row] = await query(db, (orm, t) =>
    orm.select().from(t.outboundMessages).where(eq(t.outboundMessages.id, id)),
  );
  return row;
}

/**
 * Records how a send ended. A finished text (sent, suppressed, failed) loses its body, which may quote a
 * post; the goodbye after DELETE/CONFIRM is erased instead, row and all.
 */
export async function settleText(tx: Writer, text: OutboundText, set: Partial<OutboundText>): Promise<void> {
  const finished = set.status !== undefined && set.status !== "pending";
  if (text.eraseWhenDone && finished) {
    await query(tx, (orm, t) => orm.delete(t.outboundMessages).where(eq(t.outboundMessages.id, text.id)));
    return;
  }
  const erased = finished ? { body: "", secret: null } : {};
  await query(tx, (orm, t) =>
    orm
      .update(t.outboundMessages)
      .set({ ...set, ...erased })
      .where(eq(t.outboundMessages.id, text.id)),
  );
}

/** One status callback from Twilio, read: which text, what became of it, and Twilio's error code if any. */
export type DeliveryReport = {
  sid: string;
  status: DeliveryStatus;
  /** Only with `undelivered` or `failed`. */
  errorCode: number | null;
};

export type RecordedDelivery =
  /** No text of ours has this MessageSid (pruned, erased with its number, or never ours). */
  | { kind: "unknown" }
  /** The text's end is already known: a repeat, or a contradicting report (callbacks come in any order). */
  | { kind: "stale"; phone: string }
  | { kind: "recorded"; phone: string };

/** Records how a text ended on the text itself; the first report stays. */
export async function recordDelivery(tx: Writer, report: DeliveryReport): Promise<RecordedDelivery> {
  const [row] = await query(tx, (orm, t) =>
    orm
      .select({
        id: t.outboundMessages.id,
        phone: t.outboundMessages.phone,
        delivery: t.outboundMessages.delivery,
      })
      .from(t.outboundMessages)
      .where(eq(t.outboundMessages.twilioSid, report.sid))
      .limit(1),
  );
  if (!row) return { kind: "unknown" };
  if (row.delivery !== null) return { kind: "stale", phone: row.phone };
  await query(tx, (orm, t) =>
    orm
      .update(t.outboundMessages)
      .set({ delivery: report.status, deliveryError: report.errorCode })
      .where(eq(t.outboundMessages.id, row.id)),
  );
  return { kind: "recorded", phone: row.phone };
}

export type SendClaim =
  | { kind: "claimed" }
  /**
   * The number has had its texts for this hour: drop this one. `reopensAt`: when the window has room again;
   * `noticeSent`: whether the number was already told, in this window.
   */
  | { kind: "number_limit"; reopensAt: number; noticeSent: boolean }
  /** Everyone's texts for this hour are used up: try again when the window has room. */
  | { kind: "global_limit"; reopensAt: number };

/**
 * The cost guard, counted from the rows so it survives restarts. With room, the text is claimed
 * (`sentAt` set while still pending) in the same transaction as the count, so lanes
 * running side by side cannot all take the last slot; a claim left by a crash mid-send keeps counting,
 * because that text may well have reached Twilio.
 */
export function claimSend(
  db: Writer,
  text: OutboundText,
  now: number,
  limits: SendLimits,
): Promise<SendClaim> {
  // Relaxed: the sms job's durable claim already says a send may be under way.
  return transact(
    db,
    async (tx): Promise<SendClaim> => {
      const since = now - limits.windowMs;
      // Per number, the count needs no lock: a number's texts go out through its one lane, one at a time.
      // The notice that the cap is reached is the one text sent past it, once a window.
      const perNumber = await countSends(tx, text.id, since, text.phone);
      if (text.kind !== "limit_notice" && perNumber >= limits.perNumberPerHour) {
        const excess = perNumber - limits.perNumberPerHour;
        const oldest = await oldestCounted(tx, text.id, since, excess, text.phone);
        const noticeSent = await limitNoticeSince(tx, text.phone, since);
        return { kind: "number_limit", reopensAt: (oldest ?? now) + limits.windowMs, noticeSent };
      }
      // A link (it carries a sealed token) may take the slots kept back from every other text.
      const cap = text.secret !== null ? limits.globalPerHour : limits.besideLinksPerHour;
      let total = await countSends(tx, text.id, since);
      // Every lane's claims count the same rows: near the cap, one at a time across replicas.
      if (await lockCapNear(tx, "sends", total, cap)) total = await countSends(tx, text.id, since);
      if (total >= cap) {
        const oldest = await oldestCounted(tx, text.id, since, total - cap);
        // Nothing to wait for means a limit of zero: look again in a window rather than in a hot loop.
        return { kind: "global_limit", reopensAt: (oldest ?? now) + limits.windowMs };
      }
      await query(tx, (orm, t) =>
        orm.update(t.outboundMessages).set({ sentAt: now }).where(eq(t.outboundMessages.id, text.id)),
      );
      return { kind: "claimed" };
    },
    "relaxed",
  );
}

/** Sent since `since`, or being sent right now; `self` is left out so a resumed claim is not counted twice. */
function counted(t: Tables, dialect: Dialect, self: number, since: number, phone?: string): SQL {
  // The unary + keeps SQLite off the queue index (status first), which would scan every text ever sent;
  // the sent_at indexes only read the last hour. PostgreSQL has no unary + on text, and its planner
  // weighs the indexes by their statistics.
  const status =
    dialect === "sqlite" ? sql`+${t.outboundMessages.status}` : sql`${t.outboundMessages.status}`;
  const base = sql`${t.outboundMessages.sentAt} > ${since} AND ${status} IN ('sent', 'pending') AND ${t.outboundMessages.id} <> ${self}`;
  return phone === undefined ? base : sql`${t.outboundMessages.phone} = ${phone} AND ${base}`;
}

async function countSends(tx: Tx, self: number, since: number, phone?: string): Promise<number> {
  const [row] = await query(tx, (orm, t, dialect) =>
    orm
      .select({ n: count() })
      .from(t.outboundMessages)
      .where(counted(t, dialect, self, since, phone)),
  );
  return row?.n ?? 0;
}

/** The send whose leaving the window makes room for one more: past the `excess` oldest. */
async function oldestCounted(
  tx: Tx,
  self: number,
  since: number,
  excess: number,
  phone?: string,
): Promise<number | undefined> {
  const [row] = await query(tx, (orm, t, dialect) =>
    orm
      .select({ sentAt: t.outboundMessages.sentAt })
      .from(t.outboundMessages)
      .where(counted(t, dialect, self, since, phone))
      .orderBy(t.outboundMessages.sentAt)
      .limit(1)
      .offset(excess),
  );
  return row?.sentAt ?? undefined;
}

/** Whether the number was told, since `since`, that its hourly cap was reached (queued or sent). */
async function limitNoticeSince(tx: Tx, phone: string, since: number): Promise<boolean> {
  const [row] = await query(tx, (orm, t) =>
    orm
      .select({ id: t.outboundMessages.id })
      .from(t.outboundMessages)
      .where(
        and(
          eq(t.outboundMessages.phone, phone),
          eq(t.outboundMessages.kind, "limit_notice"),
          gt(t.outboundMessages.createdAt, since),
        ),
      )
      .limit(1),
  );
  return row !== undefined;
}

/**
 * How many texts of this kind were queued for the number since `since`, whatever became of them: the
 * per-number caps that are not about sends (HELP answers, the notices) count what was decided, not sent.
 */
export async function countQueuedSince(
  db: Writer,
  phone: string,
  kind: OutboundKind,
  since: number,
): Promise<number> {
  // Read through the (phone, sent_at) index: only this number's rows.
  const [row] = await query(db, (orm, t) =>
    orm
      .select({ n: count() })
      .from(t.outboundMessages)
      .where(
        and(
          eq(t.outboundMessages.phone, phone),
          eq(t.outboundMessages.kind, kind),
          gte(t.outboundMessages.createdAt, since),
        ),
      ),
  );
  return row?.n ?? 0;
}
