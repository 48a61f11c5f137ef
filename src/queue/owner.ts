import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who holds a lease: `host/pid/start time/nonce`. Enough for a successor on the same host to tell that
 * the holder died, without waiting for its leases to run out.
 */
export function newOwner(): string {
  return `${hostname()}/${process.pid}/${startTimeOf(process.pid) ?? "?"}/${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * True when `owner` ran on this host and is gone: its pid is free, or belongs to a process started at another
 * time (a container's pid 1 after a restart). Another host's owner is never judged dead here.
 */
export function diedOnThisHost(owner: string): boolean {
  const [host, pid, started] = owner.split("/");
  if (host !== hostname()) return false;
  return !(pidAlive(Number(pid)) && startTimeOf(Number(pid)) === (started ?? null));
}

/** The process's start time in clock ticks since boot (Linux), which tells a reused pid apart. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; the start time is field 22 of the whole line.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed child its parent has not reaped yet still answers signal 0: a zombie runs nothing.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}
