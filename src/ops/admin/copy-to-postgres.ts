import { existsSync } from "node:fs";
import { redactUrl } from "../../config-database";
import { type CopyResult, copyToPostgres } from "../../db/copy";
import { liveHeartbeats } from "../../db/heartbeats";
import { closePostgres, openPostgres, PostgresError } from "../../db/postgres";
import { checkFile, closeFile, openFile } from "../../db/sqlite-file";
import { migrationState } from "../../db/sqlite-release";
import { HEARTBEAT_HELD_MS } from "../heartbeat";
import type { AdminConfig } from "./config";
import { done, type Outcome, refused } from "./report";

const KEY_MOVES =
  "X tokens were copied still encrypted: start the app on PostgreSQL with the same TOKEN_ENCRYPTION_KEY " +
  "(and TOKEN_ENCRYPTION_KEY_PREVIOUS, if set), or every texter must reconnect";

/**
 * `admin copy-to-postgres <sqlite-file>`: moves an install from its SQLite file into the empty PostgreSQL
 * database named by DATABASE_URL (migrated first), in one transaction, then compares both sides table by
 * table. The file is only read, and kept: the operator removes it once satisfied.
 */
export async function copyToPostgresCommand(
  config: AdminConfig,
  file: string,
  now: number,
): Promise<Outcome> {
  if (config.database.dialect !== "postgres") {
    return refused("DATABASE_URL must name the PostgreSQL database to copy into (postgres://…)");
  }
  const { url } = config.database;
  if (!existsSync(file)) return refused(`no file at ${file}`);
  const source = openFile(file, true);
  try {
    const problem = await sourceProblem(source, file, now);
    if (problem !== null) return refused(problem);
    let target: Awaited<ReturnType<typeof openPostgres>>;
    try {
      target = await openPostgres({ url, poolSize: 1 });
    } catch (error) {
      if (error instanceof PostgresError) return refused(error.message);
      throw error;
    }
    try {
      return report(await copyToPostgres(source, target), file, redactUrl(url));
    } finally {
      await closePostgres(target);
    }
  } finally {
    closeFile(source);
  }
}

/** Why the file cannot be copied as it is, or null. */
async function sourceProblem(
  source: ReturnType<typeof openFile>,
  file: string,
  now: number,
): Promise<string | null> {
  const check = await checkFile(source);
  if (!check.ok) return `${file} was not copied: ${check.problem}`;
  const release = await migrationState(source);
  if (release.kind === "newer") {
    return `${file} was migrated by a newer release (${release.unknown} migration(s) this one does not know): copy it with that release`;
  }
  if (release.kind === "older") {
    return (
      `${file} was migrated by an older release (last: ${release.last ?? "none"}; missing: ${release.missing.join(", ")}): ` +
      "start this release's app on it once (it migrates the file), stop it, then copy"
    );
  }
  const holders = await liveHeartbeats(source, now - HEARTBEAT_HELD_MS);
  if (holders.length > 0) {
    const who = holders.map((h) => `pid ${h.pid} on ${h.host}`).join(", ");
    return `the app is running on ${file} (${who}): stop it first, then copy`;
  }
  return null;
}

function report(result: CopyResult, file: string, target: string): Outcome {
  if (result.kind === "not-empty") {
    const rows = result.rows.map((r) => `${r.table} ${r.rows}`).join(", ");
    return refused(
      `${target} is not empty (${rows}): copy-to-postgres copies only into an empty database (create a new one, and start the app on it only after the copy); nothing was copied`,
      {
        target,
        rows: result.rows,
      },
    );
  }
  if (result.kind === "unknown-tables") {
    return refused(
      `${target} has tables this release does not know (${result.tables.join(", ")}): is it another release's or another app's database? Nothing was copied`,
    );
  }
  const copied = result.tables.reduce((sum, t) => sum + (t.note === null ? t.target : 0), 0);
  return done({
    data: { from: file, to: target, tables: result.tables, rows: copied, tokensEncrypted: true },
    tables: [
      {
        title: "Rows copied",
        columns: ["table", "sqlite", "postgresql", "id sum", "note"],
        rows: result.tables.map((t) => [
          t.table,
          t.source,
          t.note === null ? t.target : null,
          t.idSum === null ? null : t.idSum.target,
          t.note ?? "ok",
        ]),
      },
    ],
    lines: [
      `Copied ${copied} row(s) from ${file} into ${target} in one transaction; counts and id sums match.`,
      `${KEY_MOVES}.`,
      `Keep ${file} until you are satisfied: nothing reads it any more once DATABASE_URL is set.`,
    ],
  });
}
