import { hostname } from "node:os";
import type { Clock } from "../clock";
import type { Database } from "../db/client";
import { beat, dropHeartbeat } from "../db/heartbeats";
import { transact } from "../db/transaction";
import type { Logger } from "../log";

/** How often a running process refreshes its heartbeat row. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A row refreshed this recently means a live process holds the database (three missed beats and a margin). */
export const HEARTBEAT_HELD_MS = 15_000;

export type HeartbeatHandle = { stop(): Promise<void> };

/**
 * Keeps this process's row in `heartbeats` fresh until `stop`, which deletes it: `admin restore` refuses
 * to replace the file while any row is fresh. A failed beat (disk full) is logged and tried again next time.
 */
export function startHeartbeat(db: Database, clock: Clock, logger: Logger): HeartbeatHandle {
  const row = { id: crypto.randomUUID(), pid: process.pid, host: hostname(), startedAt: clock.now() };
  const refresh = async (): Promise<void> => {
    try {
      await transact(db, (tx) => beat(tx, row, clock.now()), "relaxed");
    } catch (error) {
      logger.warn("heartbeat.failed", { error: String(error) });
    }
  };
  let last = refresh();
  const timer = setInterval(() => {
    last = refresh();
  }, HEARTBEAT_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await last;
      try {
        await transact(db, (tx) => dropHeartbeat(tx, row.id), "durable");
      } catch (error) {
        logger.warn("heartbeat.not_dropped", { error: String(error) });
      }
    },
  };
}
