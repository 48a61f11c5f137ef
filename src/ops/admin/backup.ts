import { existsSync, rmSync, statSync } from "node:fs";
import { clearHeartbeats } from "../../db/heartbeats";
import { checkFile, closeFile, copyInto, type FileCheck, openFile } from "../../db/sqlite-file";
import type { AdminConfig } from "./config";
import { MissingDatabaseError } from "./database";
import { done, type Outcome, refused } from "./report";

/**
 * `admin backup <file>`: a consistent copy taken while the app runs (`VACUUM INTO` reads one snapshot),
 * from a read-only connection, never over an existing file; the copy is integrity-checked before it counts.
 */
export async function backup(config: AdminConfig, target: string): Promise<Outcome> {
  if (existsSync(target)) return refused(`${target} exists: backup never overwrites, choose a new name`);
  if (!existsSync(config.databasePath)) return refused(new MissingDatabaseError(config.databasePath).message);
  const source = openFile(config.databasePath, true);
  try {
    await copyInto(source, target);
  } catch (error) {
    return refused(`could not write ${target}: ${String(error)}`);
  } finally {
    closeFile(source);
  }
  const copy = openFile(target, false);
  let check: FileCheck;
  try {
    // The live processes' rows would make a restored file look held until they went stale.
    await clearHeartbeats(copy);
    check = await checkFile(copy);
  } finally {
    closeFile(copy);
  }
  if (!check.ok) {
    rmSync(target, { force: true });
    return refused(`the copy failed its check and was removed: ${check.problem}`);
  }
  const bytes = statSync(target).size;
  return done({
    data: { file: target, bytes, integrity: "ok", rows: check.rows },
    tables: [{ title: "Rows", columns: ["table", "rows"], rows: Object.entries(check.rows) }],
    lines: [`Backed up to ${target}: ${bytes} bytes, integrity ok`],
  });
}
