import type { PgTable } from "drizzle-orm/pg-core";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import * as sqlite from "./schema";
import * as pg from "./schema.pg";

/**
 * Every table copy-to-postgres knows, in foreign-key order (a row's parent is copied before it).
 * `id`: the table has an identity column whose sequence must move past the copied ids.
 * `replace`: the target's migrations seed rows of their own, which the file's rows take the place of.
 * `skip`: rows that belong to the old database only, with why.
 * `key`: what batches are read in order of: `rowid`, or the primary key of a WITHOUT ROWID table.
 */
export type PlannedTable = {
  name: string;
  from: SQLiteTable;
  to: PgTable;
  id: boolean;
  replace?: true;
  skip?: string;
  key?: string;
};

export const COPY_PLAN: readonly PlannedTable[] = [
  { name: "texters", from: sqlite.texters, to: pg.texters, id: false },
  { name: "auth_links", from: sqlite.authLinks, to: pg.authLinks, id: true },
  { name: "oauth_sessions", from: sqlite.oauthSessions, to: pg.oauthSessions, id: false },
  { name: "message_sids", from: sqlite.messageSids, to: pg.messageSids, id: false, key: "sid_hash" },
  { name: "inbound_messages", from: sqlite.inboundMessages, to: pg.inboundMessages, id: true },
  { name: "outbound_messages", from: sqlite.outboundMessages, to: pg.outboundMessages, id: true },
  { name: "delivery_counts", from: sqlite.deliveryCounts, to: pg.deliveryCounts, id: false },
  { name: "thread_parts", from: sqlite.threadParts, to: pg.threadParts, id: true },
  { name: "posts", from: sqlite.posts, to: pg.posts, id: true },
  { name: "jobs", from: sqlite.jobs, to: pg.jobs, id: true },
  { name: "metric_totals", from: sqlite.metricTotals, to: pg.metricTotals, id: false },
  { name: "health_probe", from: sqlite.healthProbe, to: pg.healthProbe, id: false, replace: true },
  {
    name: "heartbeats",
    from: sqlite.heartbeats,
    to: pg.heartbeats,
    id: false,
    skip: "the old database's processes (stopped): each replica writes its own",
  },
];
