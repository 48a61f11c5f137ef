import { currentRequestId } from "../request-id";
import { openTxOf } from "./handle";
import { jobStatements, LANE_LOCK_SPACE } from "./job-statements";
import type { JobOutcome } from "./schema";
import { all, get, run } from "./sql";
import { transact, type Writer } from "./transaction";

/**
 * Every statement of the job engine, and the only writes to `jobs`. Lanes keep at most one job `pending`
 * or `running` (the head), so claiming is a range read of the due index, however long the backlog. Where
 * the dialects differ (claiming beside other replicas, waking them) the text comes from job-statements.ts.
 */

export type NewJob = {
  kind: string;
  /** Jobs of one lane run one at a time, oldest first; null runs as soon as it is due. */
  lane: string | null;
  payload?: unknown;
  runAt?: number;
  dedupeKey?: string;
};

export type JobRow = {
  id: number;
  kind: string;
  lane: string | null;
  payload: string;
  createdAt: number;
  startedAt: number;
  attempts: number;
  faults: number;
  uncertain: boolean;
};

/** Queues a job in the caller's transaction; null when its dedupe key was used before. */
export async function addJob(w: Writer, job: NewJob, now: number): Promise<number | null> {
  const { lane } = job;
  // The lane lock lasts until commit: outside a transaction it would end before the insert.
  if (lane !== null && jobStatements(w).lockLane !== null && openTxOf(w) === null) {
    return await transact(w, (tx) => addJob(tx, job, now));
  }
  const statements = jobStatements(w);
  await lockLane(w, lane);
  const row = await get<{ id: number }>(
    w,
    statements.insert,
    job.kind,
    lane,
    job.dedupeKey ?? null,
    JSON.stringify(withRequestIdIn(job.payload ?? {})),
    job.runAt ?? now,
    now,
  );
  return row?.id === undefined ? null : Number(row.id);
}

/**
 * Two transactions adding to one lane (or one promoting while another adds) would each see no head under
 * READ COMMITTED and leave two, worked by two replicas at once; or none, leaving a job waiting forever. So
 * they take the lane in turn. A separate statement: the next one then reads with a snapshot taken after it.
 * Lanes `<name>:<key>` of one key share the lock (a number's text, X and SMS lanes): a job's end touches
 * several lanes of its number in an order of its kind's, and one lock cannot be taken in two orders.
 */
async function lockLane(tx: Writer, lane: string | null): Promise<void> {
  const { lockLane: text } = jobStatements(tx);
  if (lane === null || text === null) return;
  const key = laneKey(lane);
  const open = openTxOf(tx);
  if (open !== null && heldLaneKeys.get(open)?.has(key)) return;
  await get(tx, text, key);
}

const laneKey = (lane: string): string => lane.slice(lane.indexOf(":") + 1);

/** Lane keys locked at the top of a PostgreSQL transaction: held to its end, no savepoint gives them back. */
const heldLaneKeys = new WeakMap<object, Set<string>>();

/**
 * Takes many lanes in one statement, in one order (sorted keys), before adding to them: a batch that adds
 * to many lanes (the webhook's group commit) makes one round trip for them, not one per job. Nothing on
 * SQLite, whose writers are serial.
 */
export async function lockLanes(tx: Writer, lanes: readonly string[]): Promise<void> {
  const open = openTxOf(tx);
  if (jobStatements(tx).lockLane === null || open === null) return;
  const keys = [...new Set(lanes.map(laneKey))].sort();
  if (keys.length === 0) return;
  await get(
    tx,
    `SELECT count(pg_advisory_xact_lock(${LANE_LOCK_SPACE}, hashtext(key))) AS n
      FROM jsonb_array_elements_text(CAST(CAST(?1 AS text) AS jsonb)) WITH ORDINALITY AS l(key, ord)`,
    JSON.stringify(keys),
  );
  if (open.depth !== 1) return;
  const held = heldLaneKeys.get(open) ?? new Set<string>();
  for (const key of keys) held.add(key);
  heldLaneKeys.set(open, held);
}

/**
 * How many job ends one commit carries. SQLite has one writer: batching saves fsyncs and write-lock turns.
 * PostgreSQL commits side by side (relaxed commits skip the fsync wait), and a batch that locks rows of
 * several numbers and counters in an order of its own would deadlock with another replica's batch.
 */
export function endsPerCommit(db: Writer): number {
  return jobStatements(db).endsPerCommit;
}

/** How many of those commits may be under way at once: SQLite's writers queue for one lock anyway. */
export function commitsAtOnce(db: Writer): number {
  return jobStatements(db).commitsAtOnce;
}

/** Tells every LISTENing engine to look for due work now (on SQLite they poll). */
export async function notifyJobsDue(tx: Writer): Promise<void> {
  const { notify } = jobStatements(tx);
  if (notify !== null) await get(tx, notify);
}

/** A job queued by another (a post by the text it came from) carries the same request id into its logs. */
function withRequestIdIn(payload: unknown): unknown {
  const req = currentRequestId();
  if (req === undefined || typeof payload !== "object" || payload === null || "req" in payload)
    return payload;
  return { ...payload, req };
}

/**
 * Leases due jobs to `owner` until `until`, at most `room[kind]` of each kind, after freeing leases that ran
 * out (their owner died or hung). Run inside `transact`, so two processes never lease the same job.
 */
export async function claimJobs(
  tx: Writer,
  owner: string,
  now: number,
  until: number,
  room: ReadonlyMap<string, number>,
): Promise<JobRow[]> {
  const statements = jobStatements(tx);
  await run(tx, statements.reclaimExpired, now);
  const claimed: JobRow[] = [];
  for (const [kind, limit] of room) {
    if (limit <= 0) continue;
    const rows = await all<Omit<JobRow, "uncertain"> & { uncertain: number | boolean }>(
      tx,
      statements.claim,
      now,
      owner,
      until,
      limit,
      kind,
    );
    for (const row of rows) claimed.push({ ...row, uncertain: Boolean(row.uncertain) });
  }
  return claimed.sort((a, b) => a.id - b.id);
}

/** Keeps this process's leases alive while their jobs run. */
export async function renewLeases(tx: Writer, owner: string, until: number): Promise<void> {
  await run(tx, "UPDATE jobs SET locked_until = ?2 WHERE state = 'running' AND locked_by = ?1", owner, until);
}

/** The owners that hold leases now: a restarted process frees those of its dead predecessors at once. */
export async function leaseOwners(tx: Writer): Promise<string[]> {
  const rows = await all<{ owner: string | null }>(
    tx,
    "SELECT DISTINCT locked_by AS owner FROM jobs WHERE state = 'running'",
  );
  return rows.flatMap((row) => (row.owner ? [row.owner] : []));
}

export async function releaseLeasesOf(tx: Writer, owner: string): Promise<number> {
  const { changes } = await run(
    tx,
    `UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, uncertain = TRUE
      WHERE state = 'running' AND locked_by = ?1`,
    owner,
  );
  // This replica may be full: another one can take them now.
  if (changes > 0) await notifyJobsDue(tx);
  return changes;
}

async function promoteNext(tx: Writer, lane: string | null, now: number): Promise<void> {
  if (lane === null) return;
  await lockLane(tx, lane);
  await run(tx, jobStatements(tx).promote, lane, now);
}

export type Finish = {
  state: "done" | "failed";
  outcome: JobOutcome;
  detail: string | null;
  lastError: string | null;
  erasePayload: boolean;
  /** The attempt that ended it was a fault: counted like the ones before it. */
  fault?: boolean;
};

const FINISH = `UPDATE jobs SET state = ?3, outcome = ?4, detail = ?5, last_error = COALESCE(?6, last_error),
    payload = CASE WHEN ?7 THEN '{}' ELSE payload END, finished_at = ?8, locked_by = NULL, locked_until = NULL,
    lane = NULL, faults = faults + ?9
  WHERE id = ?1 AND locked_by = ?2 AND state = 'running'`;

/**
 * Ends a leased job and lets its lane's next job go; false when the lease was lost (nothing changed).
 * A finished job forgets its lane: lanes name phone numbers, and only unfinished work needs one.
 */
export async function finishJob(
  tx: Writer,
  job: JobRow,
  owner: string,
  end: Finish,
  now: number,
): Promise<boolean> {
  const { changes } = await run(
    tx,
    FINISH,
    job.id,
    owner,
    end.state,
    end.outcome,
    end.detail,
    end.lastError,
    end.erasePayload,
    now,
    end.fault ? 1 : 0,
  );
  if (changes === 0) return false;
  await promoteNext(tx, job.lane, now);
  return true;
}

const RESCHEDULE = `UPDATE jobs SET state = 'pending', run_at = ?3, last_error = ?4, faults = faults + ?5,
    uncertain = (uncertain OR ?6), locked_by = NULL, locked_until = NULL
  WHERE id = ?1 AND locked_by = ?2 AND state = 'running'`;

/** Puts a leased job back to wait for `runAt`, still its lane's head; false when the lease was lost. */
export async function rescheduleJob(
  tx: Writer,
  job: JobRow,
  owner: string,
  retry: { runAt: number; lastError: string; fault: boolean; uncertain: boolean },
): Promise<boolean> {
  const { runAt, lastError, fault, uncertain } = retry;
  const result = await run(tx, RESCHEDULE, job.id, owner, runAt, lastError, fault ? 1 : 0, uncertain);
  return result.changes > 0;
}

export type QueuedJob = { id: number; kind: string; payload: string; uncertain: boolean };

/** The lane's jobs not yet started (a running one is past recall), oldest first. */
export async function queuedInLane(tx: Writer, lane: string): Promise<QueuedJob[]> {
  const rows = await all<Omit<QueuedJob, "uncertain"> & { uncertain: number | boolean }>(
    tx,
    "SELECT id, kind, payload, uncertain FROM jobs WHERE lane = ?1 AND state IN ('waiting', 'pending') ORDER BY id",
    lane,
  );
  return rows.map((row) => ({ ...row, uncertain: Boolean(row.uncertain) }));
}

/** Cancels jobs that have not started, in the caller's transaction, and lets the lane move on. */
export async function cancelJobs(
  tx: Writer,
  lane: string,
  ids: readonly number[],
  detail: string,
  now: number,
): Promise<number> {
  let cancelled = 0;
  for (const id of ids) {
    const { changes } = await run(
      tx,
      `UPDATE jobs SET state = 'done', outcome = 'cancelled', detail = ?3, payload = '{}', finished_at = ?4,
        lane = NULL WHERE id = ?1 AND lane = ?2 AND state IN ('waiting', 'pending')`,
      id,
      lane,
      detail,
      now,
    );
    cancelled += changes;
  }
  await promoteNext(tx, lane, now);
  return cancelled;
}

/** Deletes jobs finished before `before`; their rows hold no phone number or text, only counts for the operator. */
export async function pruneFinishedJobs(tx: Writer, before: number): Promise<number> {
  const { changes } = await run(
    tx,
    "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < ?1",
    before,
  );
  return changes;
}

// A failed job has no lane left (FINISH drops it), so it is pending at once, never waiting behind one.
const RETRY_FAILED = `UPDATE jobs SET state = 'pending',
    run_at = ?2, attempts = 0, faults = 0, started_at = NULL, outcome = NULL, detail = NULL,
    finished_at = NULL, locked_by = NULL, locked_until = NULL
  WHERE id = ?1 AND state = 'failed'
  RETURNING id`;

/**
 * The operator's retry (`admin retry`): a failed job runs again now, with a fresh attempt count and
 * give-up hour; `uncertain` and `last_error` stay, so a request that may have reached X or Twilio is still
 * resolved first. False when the job is not `failed`. The lane it had is gone (finished jobs forget
 * theirs): a retried job runs beside its number's newer ones, not behind them.
 */
export async function retryFailedJob(tx: Writer, id: number, now: number): Promise<boolean> {
  if ((await get(tx, RETRY_FAILED, id, now)) === null) return false;
  // The operator's command runs in its own process: the workers hear of it rather than wait for a poll.
  await notifyJobsDue(tx);
  return true;
}

/** Failed jobs that finished at or after `since`, oldest first: what `admin retry --failed` takes. */
export async function failedJobsSince(db: Writer, since: number): Promise<number[]> {
  const rows = await all<{ id: number }>(
    db,
    "SELECT id FROM jobs WHERE state = 'failed' AND finished_at >= ?1 ORDER BY id",
    since,
  );
  return rows.map((row) => row.id);
}

/** A job's kind, state and payload, for the operator's tools. */
export async function jobById(
  db: Writer,
  id: number,
): Promise<{ kind: string; state: string; payload: string } | null> {
  return await get(db, "SELECT kind, state, payload FROM jobs WHERE id = ?1", id);
}
