import type { Database } from "../../src/db/client";
import type { JobState } from "../../src/db/schema";
import { all, get } from "../../src/db/sql";
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

const COLUMNS = `id, kind, state, run_at AS "runAt", attempts, faults, last_error AS "lastError"`;

/** The payload's field `?2` as text, in each dialect's words (the payload is JSON in a text column). */
const field = (db: Database): string =>
  db.dialect === "postgres" ? "(payload::jsonb ->> ?2)" : "CAST(json_extract(payload, '$.' || ?2) AS TEXT)";

/** The job that carries a row (`outboundId`, `messageId`): what the engine will do with it, and when. */
export async function jobCarrying(
  db: Database,
  kind: string,
  key: string,
  id: number,
): Promise<JobView | undefined> {
  return (
    (await get<JobView>(
      db,
      `SELECT ${COLUMNS} FROM jobs WHERE kind = ?1 AND ${field(db)} = ?3 ORDER BY id DESC LIMIT 1`,
      kind,
      key,
      String(id),
    )) ?? undefined
  );
}

/** Every job of a kind, oldest first, on either database. */
export function jobsOf(db: Database, kind: string): Promise<JobView[]> {
  return all<JobView>(db, `SELECT ${COLUMNS} FROM jobs WHERE kind = ?1 ORDER BY id`, kind);
}

/** `jobsOf` read synchronously from the SQLite file (SQLite only: prefer `jobsOf`). */
export function jobsOfKind(db: Database, kind: string): JobView[] {
  return sqliteOf(db).query(`SELECT ${COLUMNS} FROM jobs WHERE kind = ?1 ORDER BY id`).all(kind) as JobView[];
}
