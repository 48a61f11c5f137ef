import { eq } from "drizzle-orm";
import { sha256 } from "../crypto/random";
import type { Database } from "./client";
import { addJob, lockLanes } from "./jobs";
import type { inboundMessages, MediaItem } from "./schema";
import { all, get, jsonParam, query } from "./sql";
import { transact, type Writer } from "./transaction";

export type InboundMessage = typeof inboundMessages.$inferSelect;

export type { MediaItem } from "./schema";

export type NewInbound = {
  sid: string;
  phone: string;
  body: string;
  media: readonly MediaItem[];
  /** The webhook's request id: the jobs that follow from this text log it too. */
  req?: string;
};

/** The job that reads a text: one lane per number, so texts are read in the order they came. */
export const INBOUND_JOB = "inbound";
export const textLane = (phone: string): string => `text:${phone}`;

// The MessageSid is kept only as its SHA-256, without the phone, in `message_sids`: it outlives the text
// (erasing a number or pruning its texts must not make a re-delivery new again), and checking and inserting
// it in the webhook's transaction is what makes a text new. `inbound_messages.sid` keeps its unique index
// (migrations are additive) but now holds `<received_at>:<hash>`: unique because the hash is, and
// time-ordered, so the webhook's commit adds one B-tree insert at a random place (the hash's), as the raw,
// random Twilio sid did before. SQLite cannot hash the raw sids that earlier releases stored, so they stay
// until their rows are pruned, and a re-delivery of one of them is looked up by its raw sid.
const REMEMBER_SID = `INSERT INTO message_sids (sid_hash, received_at) VALUES (?1, ?2)
  ON CONFLICT (sid_hash) DO NOTHING RETURNING sid_hash`;

const LEGACY_SID = "SELECT 1 AS found FROM inbound_messages WHERE sid = ?1";

const INSERT = `INSERT INTO inbound_messages (sid, phone, body, media, received_at, next_attempt_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (sid) DO NOTHING RETURNING id`;

/** Stores a text once per MessageSid, with the job that will read it; false when Twilio sent it before. */
export async function storeInbound(tx: Writer, message: NewInbound, now: number): Promise<boolean> {
  const sidHash = messageSidHash(message.sid);
  if ((await get(tx, REMEMBER_SID, sidHash, now)) === null) return false;
  if ((await get(tx, LEGACY_SID, message.sid)) !== null) return false;
  const row = await get<{ id: number }>(
    tx,
    INSERT,
    inboundSid(sidHash, now),
    message.phone,
    message.body,
    jsonParam(tx, message.media),
    now,
  );
  if (row === null) return false;
  await addJob(
    tx,
    { kind: INBOUND_JOB, lane: textLane(message.phone), payload: { messageId: row.id, req: message.req } },
    now,
  );
  return true;
}

/**
 * A MessageSid as it is kept: the first 128 bits of its SHA-256, plenty to tell sids apart and half the
 * index of the whole hash (each webhook inserts one at a random place in it).
 */
export function messageSidHash(sid: string): string {
  return sha256(sid).slice(0, 32);
}

/** What `inbound_messages.sid` holds for a text received at `receivedAt`: no raw MessageSid. */
export function inboundSid(sidHash: string, receivedAt: number): string {
  return `${receivedAt}:${sidHash}`;
}

// PostgreSQL: the whole batch's sids and texts in one statement (each statement is a round trip to the
// server, and the batch holds its lanes until commit). A sid seen before, in the table or earlier in the
// batch, stores nothing; rows are taken in batch order so each number's texts keep their order.
const STORE_BATCH = `WITH input AS (
    SELECT e->>'hash' AS sid_hash, e->>'sid' AS raw_sid, e->>'key' AS inbound_sid, e->>'phone' AS phone,
      e->>'body' AS body, e->'media' AS media, ord
    FROM jsonb_array_elements(CAST(CAST(?1 AS text) AS jsonb)) WITH ORDINALITY AS l(e, ord)),
  remembered AS (
    INSERT INTO message_sids (sid_hash, received_at) SELECT DISTINCT sid_hash, CAST(?2 AS bigint) FROM input
    ON CONFLICT (sid_hash) DO NOTHING RETURNING sid_hash),
  fresh AS (
    SELECT DISTINCT ON (i.sid_hash) i.* FROM input i JOIN remembered r ON r.sid_hash = i.sid_hash
    WHERE NOT EXISTS (SELECT 1 FROM inbound_messages m WHERE m.sid = i.raw_sid)
    ORDER BY i.sid_hash, i.ord),
  added AS (
    INSERT INTO inbound_messages (sid, phone, body, media, received_at, next_attempt_at)
    SELECT inbound_sid, phone, body, media, CAST(?2 AS bigint), CAST(?2 AS bigint) FROM fresh ORDER BY ord
    ON CONFLICT (sid) DO NOTHING RETURNING id, sid)
  SELECT f.ord, a.id FROM added a JOIN fresh f ON f.inbound_sid = a.sid ORDER BY f.ord`;

/** `storeInbound` for each of `messages`, in their order, in the caller's transaction. */
async function storeBatch(tx: Writer, messages: readonly NewInbound[], now: number): Promise<boolean[]> {
  if (tx.dialect === "postgres") return await storeBatchPg(tx, messages, now);
  const stored: boolean[] = [];
  for (const message of messages) stored.push(await storeInbound(tx, message, now));
  return stored;
}

/** The same on PostgreSQL: the lanes and the texts in one statement each, then one statement per new job. */
async function storeBatchPg(tx: Writer, messages: readonly NewInbound[], now: number): Promise<boolean[]> {
  await lockLanes(
    tx,
    messages.map((message) => textLane(message.phone)),
  );
  const input = messages.map((message) => {
    const hash = messageSidHash(message.sid);
    return {
      hash,
      sid: message.sid,
      key: inboundSid(hash, now),
      phone: message.phone,
      body: message.body,
      media: message.media,
    };
  });
  const rows = await all<{ ord: number; id: number }>(tx, STORE_BATCH, JSON.stringify(input), now);
  const stored = new Array<boolean>(messages.length).fill(false);
  for (const { ord, id } of rows) {
    const message = messages[ord - 1] as NewInbound;
    stored[ord - 1] = true;
    await addJob(
      tx,
      { kind: INBOUND_JOB, lane: textLane(message.phone), payload: { messageId: id, req: message.req } },
      now,
    );
  }
  return stored;
}

type Waiting = { message: NewInbound; resolve: (stored: boolean) => void; reject: (error: unknown) => void };

/**
 * Group commit for the webhook: the texts that arrive while the previous commit runs are stored together
 * in the next transaction, one fsync (synchronous=FULL), and each webhook answers only after that commit.
 * While another connection (the delivery thread) holds the write lock, `transact` tries again on later
 * turns of the event loop (at most 5 s, then the webhooks fail and Twilio retries) and texts keep joining
 * the next batch.
 */
export class InboxWriter {
  #batch: Waiting[] = [];
  #scheduled = false;
  #committing = false;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    /** Called once per commit that stored anything new. */
    private readonly stored: () => void,
  ) {}

  store(message: NewInbound): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ message, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#committing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#commit();
    });
  }

  async #commit(): Promise<void> {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#committing = true;
    const now = this.now();
    let results: boolean[];
    try {
      // By number (each number's texts still in arrival order): two replicas' batches then take their
      // lane locks in one order and cannot deadlock each other on PostgreSQL. A rare cycle left (one
      // MessageSid delivered to both, interleaved with another) is retried whole by `transact`.
      const order = batch.map((_, i) => i).sort((a, b) => byPhone(batch[a], batch[b]) || a - b);
      const messages = order.map((i) => (batch[i] as Waiting).message);
      const stored = await transact(this.db, (tx) => storeBatch(tx, messages, now));
      results = new Array<boolean>(batch.length);
      for (const [k, i] of order.entries()) results[i] = stored[k] === true;
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    } finally {
      this.#committing = false;
      if (this.#batch.length > 0) this.#schedule();
    }
    for (const [i, waiting] of batch.entries()) waiting.resolve(results[i] === true);
    if (results.includes(true)) this.stored();
  }
}

function byPhone(a: Waiting | undefined, b: Waiting | undefined): number {
  const x = a?.message.phone ?? "";
  const y = b?.message.phone ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

export async function getInbound(db: Writer, id: number): Promise<InboundMessage | undefined> {
  const [row] = await query(db, (orm, t) =>
    orm.select().from(t.inboundMessages).where(eq(t.inboundMessages.id, id)),
  );
  return row;
}

/**
 * The record of what became of a text (the job holds the state; this is what the operator reads). The
 * text's body is erased with it: the work on it is finished. `keepMedia`: a post was queued, whose job
 * (which has the text in its payload) still needs the pictures; its own outcome erases them.
 */
export async function recordInboundOutcome(
  tx: Writer,
  id: number,
  outcome: string,
  postId: string | null = null,
  options: { keepMedia?: boolean } = {},
): Promise<void> {
  await query(tx, (orm, t) =>
    orm
      .update(t.inboundMessages)
      .set({ status: "done", outcome, postId, body: "", ...(options.keepMedia ? {} : { media: [] }) })
      .where(eq(t.inboundMessages.id, id)),
  );
}

/** Erases what is left of a text (its pictures) whose queued post was cancelled; the outcome says so. */
export async function eraseInbound(tx: Writer, id: number, outcome: string): Promise<void> {
  await query(tx, (orm, t) =>
    orm.update(t.inboundMessages).set({ outcome, body: "", media: [] }).where(eq(t.inboundMessages.id, id)),
  );
}
