import type { Database } from "../../src/db/client";
import type { JobState } from "../../src/db/schema";
import { sqliteOf } from "./sqlite";

export type JobView = {
  id: number;
  kind: string;
  state: JobState;
  runAt: number;
  attempts: number;
  faults: number;
  lastError: string | null;
};

/** The job that carries a row (`outboundId`, `messageId`): what the engine will do with it, and when. */
export function jobCarrying(db: Database, kind: string, key: string, id: number): JobView | undefined {
  return (
    (sqliteOf(db)
      .query(
        `SELECT id, kind, state, run_at AS runAt, attempts, faults, last_error AS lastError FROM jobs
         WHERE kind = ?1 AND json_extract(payload, '$.' || ?2) = ?3 ORDER BY id DESC LIMIT 1`,
      )
      .get(kind, key, id) as JobView | null) ?? undefined
  );
}

/** Every job of a kind, oldest first. */
export function jobsOfKind(db: Database, kind: string): JobView[] {
  return sqliteOf(db)
    .query(
      `SELECT id, kind, state, run_at AS runAt, attempts, faults, last_error AS lastError FROM jobs WHERE kind = ?1 ORDER BY id`,
    )
    .all(kind) as JobView[];
}
