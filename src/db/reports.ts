import type { Writer } from "./transaction";

/**
 * Reads for the operator's tools (`admin status`, `admin texter`): counts and outcomes, never bodies.
 * Plain SQL over indexed columns; nothing here writes.
 */

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

const TROUBLED_COLUMNS = `id, kind, state, attempts, outcome, detail, last_error AS lastError,
  COALESCE(finished_at, run_at) AS at`;

/** Jobs that failed since `since`, and unfinished ones retrying after an error, newest first. */
export function troubledJobs(db: Writer, since: number, limit = 50): TroubledJob[] {
  return db.$client
    .query(
      `SELECT ${TROUBLED_COLUMNS} FROM jobs
        WHERE (state = 'failed' AND finished_at >= ?1)
           OR (state IN ('pending', 'running') AND last_error IS NOT NULL)
        ORDER BY at DESC LIMIT ?2`,
    )
    .all(since, limit) as TroubledJob[];
}

/** Texts sent (or being sent) and links made since `since`: what the hourly caps count. */
export function budgetUse(db: Writer, since: number): { texts: number; links: number } {
  return db.$client
    .query(
      `SELECT (SELECT count(*) FROM outbound_messages WHERE sent_at > ?1 AND +status IN ('sent', 'pending')) AS texts,
        (SELECT count(*) FROM auth_links WHERE created_at > ?1) AS links`,
    )
    .get(since) as { texts: number; links: number };
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
export function lastTexts(db: Writer, phone: string, limit: number): TextOutcome[] {
  const texts = db.$client
    .query(
      `SELECT id AS messageId, received_at AS receivedAt, outcome FROM inbound_messages
        WHERE phone = ?1 ORDER BY id DESC LIMIT ?2`,
    )
    .all(phone, limit) as Omit<TextOutcome, "jobs">[];
  // Jobs name their text in the payload while unfinished; a finished one's payload is erased, so the
  // inbound job is found by its id in the payload only while it still carries one.
  const jobsOf = db.$client.query(
    `SELECT id, kind, state, outcome, detail, last_error AS lastError FROM jobs
      WHERE json_extract(payload, '$.messageId') = ?1 ORDER BY id`,
  );
  return texts.map((text) => ({ ...text, jobs: jobsOf.all(text.messageId) as TextOutcome["jobs"] }));
}

/** Texts we sent the number, newest first, with how they ended. */
export function lastSent(
  db: Writer,
  phone: string,
  limit: number,
): { id: number; createdAt: number; status: string; delivery: string | null; error: string | null }[] {
  return db.$client
    .query(
      `SELECT id, created_at AS createdAt, status, delivery,
          COALESCE(error, CAST(delivery_error AS TEXT)) AS error
        FROM outbound_messages WHERE phone = ?1 ORDER BY id DESC LIMIT ?2`,
    )
    .all(phone, limit) as ReturnType<typeof lastSent>;
}

/** Row counts of every table of ours: what a backup or a restore reports. */
export function tableCounts(db: Writer): Record<string, number> {
  const tables = db.$client
    .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (db.$client.query(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );
}

/** Short-lived secrets still sealed somewhere: pending link tokens, sign-ins under way, tokens awaiting revocation. */
export function transientSecrets(db: Writer, now: number): { where: string; sealed: string }[] {
  return db.$client
    .query(
      `SELECT 'link text' AS "where", secret AS sealed FROM outbound_messages WHERE secret IS NOT NULL AND status = 'pending'
       UNION ALL SELECT 'sign-in', code_verifier FROM oauth_sessions WHERE expires_at > ?1
       UNION ALL SELECT 'revocation', json_extract(payload, '$.refreshToken') FROM jobs
         WHERE kind = 'revoke' AND state IN ('waiting', 'pending', 'running') AND json_extract(payload, '$.refreshToken') IS NOT NULL`,
    )
    .all(now) as { where: string; sealed: string }[];
}
