import type { Writer } from "./handle";

/**
 * The job engine's statements that differ by dialect, side by side. SQLite's BEGIN IMMEDIATE lets one
 * writer in at a time, so a plain read-then-write is safe there; PostgreSQL runs writers side by side under
 * READ COMMITTED, so its claim skips rows another replica is leasing (FOR UPDATE SKIP LOCKED, as
 * graphile-worker, pg-boss and Oban claim) and the statements that make a job due tell the LISTENing
 * replicas (NOTIFY, delivered at commit, dropped on rollback).
 */

/** The channel every replica's engine LISTENs on: "a job may be due now". */
export const JOBS_CHANNEL = "smstweet_jobs";

const UNFINISHED = "('waiting', 'pending', 'running')";

// CAST: PostgreSQL cannot tell a parameter's type from `IS NOT NULL` alone.
const NEW_ROW = `INSERT INTO jobs (kind, lane, dedupe_key, payload, state, run_at, created_at)
  VALUES (?1, ?2, ?3, ?4, CASE WHEN CAST(?2 AS TEXT) IS NOT NULL AND EXISTS (
    SELECT 1 FROM jobs WHERE lane = ?2 AND state IN ${UNFINISHED}) THEN 'waiting' ELSE 'pending' END, ?5, ?6)
  ON CONFLICT (dedupe_key) DO NOTHING`;

const CLAIMED = `RETURNING id, kind, lane, payload, created_at AS "createdAt", started_at AS "startedAt", attempts,
    faults, uncertain`;

const CLAIM_SET = `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, ?1),
    locked_by = ?2, locked_until = ?3`;

const DUE =
  "SELECT id FROM jobs WHERE state = 'pending' AND kind = ?5 AND run_at <= ?1 ORDER BY run_at, id LIMIT ?4";

// A job whose holder vanished may have acted: whoever takes it over must find out before repeating.
const RECLAIM_SET =
  "UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, uncertain = TRUE";

const PROMOTE_SET =
  "UPDATE jobs SET state = 'pending', run_at = CASE WHEN run_at > ?2 THEN run_at ELSE ?2 END";
const PROMOTE_WHERE = `WHERE id = (SELECT MIN(id) FROM jobs WHERE lane = ?1 AND state = 'waiting')
  AND NOT EXISTS (SELECT 1 FROM jobs WHERE lane = ?1 AND state IN ('pending', 'running'))`;

/** Notifies once per row of `rows` that is due by `now` (PostgreSQL drops repeats within a transaction). */
function notifying(rows: string, due: string): string {
  return `FROM ${rows} LEFT JOIN LATERAL (SELECT pg_notify('${JOBS_CHANNEL}', '') WHERE ${due}) AS woke ON TRUE`;
}

export type JobStatements = {
  /** ?1 kind ?2 lane ?3 dedupe key ?4 payload ?5 run at ?6 now; one row `{ id }` unless deduplicated. */
  insert: string;
  /** ?1 now: expired leases back to pending. */
  reclaimExpired: string;
  /** ?1 now ?2 owner ?3 lease until ?4 limit ?5 kind. */
  claim: string;
  /** ?1 lane ?2 now: the lane's oldest waiting job becomes its head, if it has none. */
  promote: string;
  /** Tells the other replicas to look now; nothing on SQLite (they poll). */
  notify: string | null;
  /** ?1 lane key: one transaction at a time adds to or promotes in its lanes; null where writers are serial. */
  lockLane: string | null;
  /** Job ends one commit carries, and commits under way at once (see `endsPerCommit`). */
  endsPerCommit: number;
  commitsAtOnce: number;
};

const SQLITE: JobStatements = {
  insert: `${NEW_ROW} RETURNING id`,
  reclaimExpired: `${RECLAIM_SET} WHERE state = 'running' AND locked_until < ?1`,
  claim: `${CLAIM_SET} WHERE id IN (${DUE}) ${CLAIMED}`,
  promote: `${PROMOTE_SET} ${PROMOTE_WHERE}`,
  notify: null,
  lockLane: null,
  endsPerCommit: 16,
  commitsAtOnce: 1,
};

/** Advisory lock namespace of the lanes ('jobs' in ASCII): the two-key form never meets a one-key lock. */
export const LANE_LOCK_SPACE = 0x6a6f6273;

const POSTGRES: JobStatements = {
  insert: `WITH added AS (${NEW_ROW} RETURNING id, state, run_at)
    SELECT id ${notifying("added", "added.state = 'pending' AND added.run_at <= ?6")}`,
  // SKIP LOCKED: a lease being finished by its holder right now is its holder's; replicas reclaiming at
  // once take disjoint rows and never wait for each other.
  reclaimExpired: `${RECLAIM_SET} WHERE id IN (
    SELECT id FROM jobs WHERE state = 'running' AND locked_until < ?1 FOR UPDATE SKIP LOCKED)`,
  claim: `${CLAIM_SET} WHERE id IN (${DUE} FOR UPDATE SKIP LOCKED) ${CLAIMED}`,
  promote: `WITH promoted AS (${PROMOTE_SET} ${PROMOTE_WHERE} RETURNING run_at)
    SELECT 1 AS promoted ${notifying("promoted", "promoted.run_at <= ?2")}`,
  notify: `SELECT pg_notify('${JOBS_CHANNEL}', '')`,
  lockLane: `SELECT pg_advisory_xact_lock(${LANE_LOCK_SPACE}, hashtext(?1))`,
  endsPerCommit: 1,
  // A few pool connections: the rest stay for claims and the handlers' reads.
  commitsAtOnce: 4,
};

export function jobStatements(w: Writer): JobStatements {
  return w.dialect === "postgres" ? POSTGRES : SQLITE;
}
