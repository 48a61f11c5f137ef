import { readDeliveryCounts } from "../../db/delivery-counts";
import { liveHeartbeats } from "../../db/heartbeats";
import { countJobs, oldestDue } from "../../db/queue-stats";
import { budgetUse, troubledJobs } from "../../db/reports";
import { LIMIT_WINDOW_MS } from "../../sms/limits";
import { HEARTBEAT_HELD_MS } from "../heartbeat";
import type { AdminConfig } from "./config";
import { withDatabase } from "./database";
import { at, done, type Outcome } from "./report";

/** `admin status`: the queues, what failed in the last hour and why, the hour's budgets, the processes. */
export function status(config: AdminConfig, now: number): Promise<Outcome> {
  return withDatabase(config.database, async (db) => {
    const since = now - LIMIT_WINDOW_MS;
    const queues = await countJobs(db);
    const due = (await oldestDue(db, now)).map((row) => ({
      ...row,
      waitedSeconds: Math.round((now - row.runAt) / 1000),
    }));
    const failures = await troubledJobs(db, since);
    const used = await budgetUse(db, since);
    const budgets = {
      textsLastHour: used.texts,
      textsPerHour: config.limits.globalPerHour,
      linksLastHour: used.links,
      linksPerHour: config.limits.linksPerHour,
    };
    const deliveries = await readDeliveryCounts(db);
    const processes = await liveHeartbeats(db, now - HEARTBEAT_HELD_MS);
    return done({
      data: { queues, oldestDue: due, failures, budgets, deliveries, processes },
      tables: [
        {
          title: "Queues",
          columns: ["kind", "state", "jobs"],
          rows: queues.map((q) => [q.kind, q.state, q.count]),
        },
        {
          title: "Oldest due",
          columns: ["kind", "due since", "waited (s)"],
          rows: due.map((d) => [d.kind, at(d.runAt), d.waitedSeconds]),
        },
        {
          title: "Failures (failed in the last hour, or retrying)",
          columns: ["job", "kind", "state", "attempts", "when", "reason"],
          rows: failures.map((f) => [f.id, f.kind, f.state, f.attempts, at(f.at), f.lastError ?? f.detail]),
        },
        {
          title: "Budgets (last hour)",
          columns: ["what", "used", "cap"],
          rows: [
            ["texts sent", budgets.textsLastHour, budgets.textsPerHour],
            ["links made", budgets.linksLastHour, budgets.linksPerHour],
          ],
        },
        {
          title: "Delivery reports",
          columns: ["status", "error", "texts"],
          rows: deliveries.map((d) => [d.status, d.errorCode, d.count]),
        },
        {
          title: "Running processes",
          columns: ["host", "pid", "started", "last beat"],
          rows: processes.map((p) => [p.host, p.pid, at(p.startedAt), at(p.refreshedAt)]),
        },
      ],
    });
  });
}
