import { all, get } from "./sql";
import type { Writer } from "./transaction";

/**
 * Reads for the operator's tools (`admin status`, `admin texter`): counts and outcomes, never bodies.
 * Plain SQL over indexed columns; nothing here writes. Aliases are quoted: PostgreSQL folds bare ones to
 * lower case. Where the dialects differ (a JSON field of a payload, SQLite's planner hint) the text is picked
 * per dialect here.
 */

/** A field of a job's JSON payload, as text on both dialects. */
function payloadField(w: Writer, field: "messageId" | "refreshToken"): string {
  return w.dialect === "postgres"
    ? `(payload::jsonb ->> '${field}')`
    : `CAST(json_extract(payload, '$.${field}') AS TEXT)`;
}

export type TroubledJob = {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  outcome: string | null;
  detail: string | null;
  lastError: string | null;
  at: number;
};

const TROUBLED_COLUMNS = `id, kind, state, attempts, outcome, detail, last_error AS "lastError",
  COALESCE(finished_at, run_at) AS at`;

/** Jobs that failed since `since`, and unfinished ones retrying after an error, newest first. */
export function troubledJobs(db: Writer, since: number, limit = 50): Promise<TroubledJob[]> {
  return all<TroubledJob>(
    db,
    `SELECT ${TROUBLED_COLUMNS} FROM jobs
      WHERE (state = 'failed' AND finished_at >= ?1)
         OR (state IN ('pending', 'running') AND last_error IS NOT NULL)
      ORDER BY at DESC LIMIT ?2`,
    since,
    limit,
  );
}

/** Texts sent (or being sent) and links made since `since`: what the hourly caps count. */
export async function budgetUse(db: Writer, since: number): Promise<{ texts: number; links: number }> {
  // `+status`: SQLite's hint to range over sent_at's index rather than status's; PostgreSQL has no such thing.
  const status = db.dialect === "postgres" ? "status" : "+status";
  const row = await get<{ texts: number; links: number }>(
    db,
    `SELECT (SELECT count(*) FROM outbound_messages WHERE sent_at > ?1 AND ${status} IN ('sent', 'pending')) AS texts,
      (SELECT count(*) FROM auth_links WHERE created_at > ?1) AS links`,
    since,
  );
  return row ?? { texts: 0, links: 0 };
}

export type TextOutcome = {
  messageId: number;
  receivedAt: number;
  outcome: string | null;
  jobs: {
    id: number;
    kind: string;
    state: string;
    outcome: string | null;
    detail: string | null;
    lastError: string | null;
  }[];
};

/** The number's last texts with what became of them: the inbound row's outcome and its jobs'. */
export async function lastTexts(db: Writer, phone: string, limit: number): Promise<TextOutcome[]> {
  const texts = await all<Omit<TextOutcome, "jobs">>(
    db,
    `SELECT id AS "messageId", received_at AS "receivedAt", outcome FROM inbound_messages
      WHERE phone = ?1 ORDER BY id DESC LIMIT ?2`,
    phone,
    limit,
  );
  // Jobs name their text in the payload while unfinished; a finished one's payload is erased, so the
  // inbound job is found by its id in the payload only while it still carries one.
  const outcomes: TextOutcome[] = [];
  for (const text of texts) {
    const jobs = await all<TextOutcome["jobs"][number]>(
      db,
      `SELECT id, kind, state, outcome, detail, last_error AS "lastError" FROM jobs
        WHERE ${payloadField(db, "messageId")} = ?1 ORDER BY id`,
      String(text.messageId),
    );
    outcomes.push({ ...text, jobs });
  }
  return outcomes;
}

/** Texts we sent the number, newest first, with how they ended. */
export type SentText = {
  id: number;
  createdAt: number;
  status: string;
  delivery: string | null;
  error: string | null;
};

export function lastSent(db: Writer, phone: string, limit: number): Promise<SentText[]> {
  return all<SentText>(
    db,
    `SELECT id, created_at AS "createdAt", status, delivery,
        COALESCE(error, CAST(delivery_error AS TEXT)) AS error
      FROM outbound_messages WHERE phone = ?1 ORDER BY id DESC LIMIT ?2`,
    phone,
    limit,
  );
}

/** Row counts of every table of ours: what a backup or a restore reports. */
export async function tableCounts(db: Writer): Promise<Record<string, number>> {
  const tables = await all<{ name: string }>(
    db,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    counts[name] = (await get<{ n: number }>(db, `SELECT count(*) AS n FROM "${name}"`))?.n ?? 0;
  }
  return counts;
}

/** Short-lived secrets still sealed somewhere: pending link tokens, sign-ins under way, tokens awaiting revocation. */
export function transientSecrets(db: Writer, now: number): Promise<{ where: string; sealed: string }[]> {
  return all(
    db,
    `SELECT 'link text' AS "where", secret AS sealed FROM outbound_messages WHERE secret IS NOT NULL AND status = 'pending'
     UNION ALL SELECT 'sign-in', code_verifier FROM oauth_sessions WHERE expires_at > ?1
     UNION ALL SELECT 'revocation', ${payloadField(db, "refreshToken")} FROM jobs
       WHERE kind = 'revoke' AND state IN ('waiting', 'pending', 'running') AND ${payloadField(db, "refreshToken")} IS NOT NULL`,
    now,
  );
}
