/**
 * PostgreSQL connections per app process: the sessions open on a part's database (pg_stat_activity's
 * client ports) matched to the TCP sockets each app process holds (/proc/<pid>/fd and /proc/net/tcp*), so
 * that two replicas on one database are told apart whatever `application_name` their driver sends.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { PartDatabase } from "./databases";

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) inodes.add(inode);
      } catch {}
    }
  } catch {}
  return inodes;
}

/** The local ports of the TCP sockets `pid` holds. */
function localPorts(pid: number): Set<number> {
  const inodes = socketInodes(pid);
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const port = fields[1]?.split(":")[1];
      if (port && fields[9] && inodes.has(fields[9])) ports.add(Number.parseInt(port, 16));
    }
  }
  return ports;
}

/** How many of the database's sessions each process in `pids` holds now. */
export async function connectionsOf(db: PartDatabase, pids: readonly number[]): Promise<number[]> {
  const sessions = await db.sessions();
  return pids.map((pid) => {
    const ports = localPorts(pid);
    return sessions.filter((port) => ports.has(port)).length;
  });
}

/** Samples every `everyMs` until the returned function is called; it resolves with each pid's maximum. */
export function sampleConnections(
  db: PartDatabase,
  pids: readonly number[],
  everyMs = 250,
): () => Promise<number[]> {
  const most = pids.map(() => 0);
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = await connectionsOf(db, pids).catch(() => most.map(() => 0));
      now.forEach((n, i) => {
        most[i] = Math.max(most[i] ?? 0, n);
      });
      await Bun.sleep(everyMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return most;
  };
}
