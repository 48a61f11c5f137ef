import { chownSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type Heartbeat, liveHeartbeats } from "../../db/heartbeats";
import { checkFile, closeFile, openFile } from "../../db/sqlite-file";
import { HEARTBEAT_HELD_MS } from "../heartbeat";
import type { AdminConfig } from "./config";
import { done, type Outcome, refused } from "./report";

/**
 * `admin restore <file>`: replaces the database with a checked backup, only while no app process holds it
 * (a fresh heartbeat row). The old file's WAL and shared memory go too: left beside the new file, SQLite
 * would replay the old WAL into it. The file takes the data directory's owner, so that the app (uid 1000
 * in the image) can write it after a restore run as root.
 */
export async function restore(config: AdminConfig, source: string, now: number): Promise<Outcome> {
  const target = config.databasePath;
  if (!existsSync(source)) return refused(`no file at ${source}`);
  const holders = existsSync(target) ? await holdersOf(target, now) : [];
  if (holders.length > 0) {
    const who = holders.map((h) => `pid ${h.pid} on ${h.host}`).join(", ");
    return refused(`the app is running (${who}): stop it first, then restore`);
  }
  const backup = openFile(source, true);
  const check = await (async () => {
    try {
      return await checkFile(backup);
    } finally {
      closeFile(backup);
    }
  })();
  if (!check.ok) return refused(`${source} was not restored: ${check.problem}`);

  const staging = `${target}.restoring`;
  copyFileSync(source, staging);
  for (const leftover of [`${target}-wal`, `${target}-shm`, `${target}-journal`])
    rmSync(leftover, { force: true });
  renameSync(staging, target);
  const owner = statSync(dirname(target));
  const file = statSync(target);
  let ownership = `owned by ${file.uid}:${file.gid}`;
  if (file.uid !== owner.uid || file.gid !== owner.gid) {
    if (process.getuid?.() === 0) {
      chownSync(target, owner.uid, owner.gid);
      ownership = `owner set to ${owner.uid}:${owner.gid} (the data directory's)`;
    } else {
      ownership += `, not the data directory's ${owner.uid}:${owner.gid}: run as root to fix`;
    }
  }
  return done({
    data: {
      file: target,
      from: source,
      integrity: "ok",
      owner: `${owner.uid}:${owner.gid}`,
      rows: check.rows,
    },
    tables: [{ title: "Rows", columns: ["table", "rows"], rows: Object.entries(check.rows) }],
    lines: [`Restored ${target} from ${source}: integrity ok, ${ownership}`],
  });
}

/** Processes with a fresh heartbeat; none when the file predates the heartbeats table. */
async function holdersOf(path: string, now: number): Promise<Heartbeat[]> {
  const db = openFile(path, true);
  try {
    return await liveHeartbeats(db, now - HEARTBEAT_HELD_MS);
  } catch (error) {
    if (String(error).includes("no such table")) return [];
    throw error;
  } finally {
    closeFile(db);
  }
}
