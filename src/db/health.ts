import type { Database } from "./client";
import { all, get, run } from "./sql";
import { transact } from "./transaction";

/**
 * What /healthz reads and the one row it writes. Every query stays on an index: the pending and running
 * heads of the due index (one per lane at most), and the last minutes of `jobs_state_finished`.
 */

const PROBE = `INSERT INTO health_probe (id, checked_at) VALUES (1, ?1)
  ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`;

/**
 * Rewrites the probe row, waiting at most `maxWaitMs` for another connection's write lock without blocking
 * the event loop. Relaxed: Caddy asks every few seconds, and an fsync per ask would slow the webhooks.
 */
export async function probeWrite(db: Database, now: number, maxWaitMs: number): Promise<void> {
  await transact(db, (tx) => run(tx, PROBE, now), "relaxed", maxWaitMs);
}

/** The oldest job of one kind that is due and not in hand, with when it became due. */
export type OverdueKind = { kind: string; dueSince: number; inHand: boolean };

// A running job whose lease ran out is due again, since the moment the lease ended.
const OVERDUE = `SELECT kind, MIN(since) AS "dueSince" FROM (
    SELECT kind, run_at AS since FROM jobs WHERE state = 'pending' AND run_at <= ?1
    UNION ALL
    SELECT kind, locked_until AS since FROM jobs WHERE state = 'running' AND locked_until <= ?1
  ) AS due GROUP BY kind ORDER BY "dueSince"`;

const IN_HAND = "SELECT 1 FROM jobs WHERE state = 'running' AND kind = ?1 AND locked_until > ?2 LIMIT 1";

/**
 * Kinds with work due since `dueBefore` or earlier, oldest first; `inHand` when a live lease holds a job of
 * that kind now (a worker is busy with it: a backlog, not a stall).
 */
export async function overdueKinds(db: Database, dueBefore: number, now: number): Promise<OverdueKind[]> {
  const rows = await all<{ kind: string; dueSince: number }>(db, OVERDUE, dueBefore);
  const kinds: OverdueKind[] = [];
  for (const row of rows) kinds.push({ ...row, inHand: (await get(db, IN_HAND, row.kind, now)) !== null });
  return kinds;
}

// Unfinished jobs that faulted are failing now: their retries are at most the policy's cap apart.
const FAULTS = `SELECT kind, CAST(SUM(faults) AS BIGINT) AS faults FROM (
    SELECT kind, faults FROM jobs WHERE state IN ('pending', 'running') AND faults > 0
    UNION ALL
    SELECT kind, faults FROM jobs WHERE state = 'failed' AND finished_at >= ?1 AND faults > 0
  ) AS failing GROUP BY kind ORDER BY faults DESC`;

/** Faults (crashes, unreadable answers) per kind, of jobs still failing or ended `failed` since `since`. */
export function faultsByKind(db: Database, since: number): Promise<{ kind: string; faults: number }[]> {
  return all(db, FAULTS, since);
}

const DONE = `SELECT COUNT(*) AS done FROM (
  SELECT 1 FROM jobs WHERE state = 'done' AND finished_at >= ?1 AND kind = ?2 LIMIT ?3) AS recent`;

/** Jobs of `kind` finished well since `since`, counted up to `upTo` (enough to compare, never a long scan). */
export async function doneSince(db: Database, kind: string, since: number, upTo: number): Promise<number> {
  return (await get<{ done: number }>(db, DONE, since, kind, upTo))?.done ?? 0;
}
