import { existsSync, rmSync, statSync } from "node:fs";
import { clearHeartbeats } from "../../db/heartbeats";
import type { AdminConfig } from "./config";
import { MissingDatabaseError } from "./database";
import { done, type Outcome, refused } from "./report";
import { checkFile, openFile } from "./sqlite-file";

/**
 * `admin backup <file>`: a consistent copy taken while the app runs (`VACUUM INTO` reads one snapshot),
 * from a read-only connection, never over an existing file; the copy is integrity-checked before it counts.
 */
export function backup(config: AdminConfig, target: string): Outcome {
  if (existsSync(target)) return refused(`${target} exists: backup never overwrites, choose a new name`);
  if (!existsSync(config.databasePath)) return refused(new MissingDatabaseError(config.databasePath).message);
  const source = openFile(config.databasePath, true);
  try {
    source.$client.query("VACUUM INTO ?1").run(target);
  } catch (error) {
    return refused(`could not write ${target}: ${String(error)}`);
  } finally {
    source.$client.close();
  }
  const copy = openFile(target, false);
  let check: ReturnType<typeof checkFile>;
  try {
    // The live processes' rows would make a restored file look held until they went stale.
    clearHeartbeats(copy);
    check = checkFile(copy);
  } finally {
    copy.$client.close();
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
