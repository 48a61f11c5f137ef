import { and, asc, count, eq, lte, min, sql } from "drizzle-orm";
import type { Database } from "./client";
import { type JobState, jobs } from "./schema";
import { query } from "./sql";

export type QueueCount = { kind: string; state: JobState; count: number };
export type OldestDue = { kind: string; runAt: number };

/** Jobs by kind and state (finished rows stay until retention prunes them); for /metrics and `admin status`. */
export function countJobs(db: Database): Promise<QueueCount[]> {
  return query(db, (orm) =>
    orm
      .select({ kind: jobs.kind, state: jobs.state, count: count() })
      .from(jobs)
      .groupBy(jobs.kind, jobs.state)
      .orderBy(asc(jobs.kind), asc(jobs.state)),
  );
}

/** Per kind, when the longest-waiting pending job that is due now came due: how far behind the worker is. */
export function oldestDue(db: Database, now: number): Promise<OldestDue[]> {
  return query(db, (orm) =>
    orm
      .select({ kind: jobs.kind, runAt: sql<number>`${min(jobs.runAt)}` })
      .from(jobs)
      .where(and(eq(jobs.state, "pending"), lte(jobs.runAt, now)))
      .groupBy(jobs.kind)
      .orderBy(asc(jobs.kind)),
  );
}
