import { pruneFinishedJobs } from "./jobs";
import { run } from "./sql";
import type { Writer } from "./transaction";

/** Spec: RETENTION_DAYS, 30 unless configured. */
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * Finished rows older than `before` (spec: RETENTION_DAYS), each kind by the time it was made. Their bodies
 * are already erased (when their work finished): what goes now is the rest of the record — phone number,
 * outcome, post id, hashed MessageSid, one-time link (long expired). Unfinished work gives up within hours, and retention
 * is at least a day, so nothing still needed is old enough to be pruned.
 */
const PRUNE = {
  inbound: "DELETE FROM inbound_messages WHERE received_at < ?1 AND status = 'done'",
  outbound: "DELETE FROM outbound_messages WHERE created_at < ?1 AND status <> 'pending'",
  sids: "DELETE FROM message_sids WHERE received_at < ?1",
  posts: "DELETE FROM posts WHERE created_at < ?1",
  links: "DELETE FROM auth_links WHERE created_at < ?1",
} as const;

export type Pruned = Record<keyof typeof PRUNE | "jobs", number>;

/** Deletes every finished row made before `before`; returns how many of each went. */
export async function pruneExpired(tx: Writer, before: number): Promise<Pruned> {
  const pruned = { jobs: await pruneFinishedJobs(tx, before) } as Pruned;
  for (const [name, statement] of Object.entries(PRUNE)) {
    pruned[name as keyof typeof PRUNE] = (await run(tx, statement, before)).changes;
  }
  return pruned;
}
