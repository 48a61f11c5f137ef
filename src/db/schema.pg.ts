import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type {
  DeliveryStatus,
  JobOutcome,
  JobState,
  MediaItem,
  MessageStatus,
  OutboundKind,
  OutboundStatus,
  TotalMetric,
} from "./schema";

/**
 * PostgreSQL's copy of `schema.ts`, table for table: same names, nullability, defaults, keys and indexes
 * (test/db/schema-drift.test.ts fails when the two part). What each table is for is said there, once.
 * Millisecond times and counters are int8 read as JS numbers (exact to 2^53); ids are identities "by
 * default" so that copy-to-postgres can keep SQLite's ids.
 */
const millis = (name: string) => bigint(name, { mode: "number" });
/**
 * jsonb handed to the driver as it is: Drizzle's own jsonb() stringifies first, and Bun's client then stores
 * a JSON *string* ("[{…}]" in quotes), which reads back through Drizzle but not through SQL or pg_dump.
 */
const media = (name: string) =>
  customType<{ data: MediaItem[]; driverData: MediaItem[] }>({ dataType: () => "jsonb" })(name)
    .notNull()
    .default([]);
const id = () => bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity();

export const texters = pgTable("texters", {
  phone: text("phone").primaryKey(),
  xUserId: text("x_user_id"),
  xHandle: text("x_handle"),
  accessToken: text("access_token"),
  refreshToken: text("refresh_token"),
  tokenExpiresAt: millis("token_expires_at"),
  optedOut: boolean("opted_out").notNull().default(false),
  connectedAt: millis("connected_at"),
  threadOpenedAt: millis("thread_opened_at"),
  deleteRequestedAt: millis("delete_requested_at"),
  pinMac: text("pin_mac"),
  pinKeyId: text("pin_key_id"),
  pinFailures: text("pin_failures").notNull().default("[]"),
  createdAt: millis("created_at").notNull(),
  undeliverableAt: millis("undeliverable_at"),
  undeliverableCode: integer("undeliverable_code"),
});

export const authLinks = pgTable(
  "auth_links",
  {
    id: id(),
    tokenHash: text("token_hash").notNull(),
    phone: text("phone").notNull(),
    createdAt: millis("created_at").notNull(),
    expiresAt: millis("expires_at").notNull(),
    usedAt: millis("used_at"),
  },
  (t) => [
    uniqueIndex("auth_links_token_hash").on(t.tokenHash),
    index("auth_links_phone").on(t.phone),
    index("auth_links_created").on(t.createdAt),
  ],
);

export const oauthSessions = pgTable("oauth_sessions", {
  stateHash: text("state_hash").primaryKey(),
  linkId: bigint("link_id", { mode: "number" })
    .notNull()
    .references(() => authLinks.id, { onDelete: "cascade" }),
  codeVerifier: text("code_verifier").notNull(),
  expiresAt: millis("expires_at").notNull(),
});

export const messageSids = pgTable(
  "message_sids",
  {
    sidHash: text("sid_hash").primaryKey(),
    receivedAt: millis("received_at").notNull(),
  },
  (t) => [index("message_sids_received").on(t.receivedAt)],
);

export const inboundMessages = pgTable(
  "inbound_messages",
  {
    id: id(),
    sid: text("sid").notNull(),
    phone: text("phone").notNull(),
    body: text("body").notNull(),
    media: media("media"),
    receivedAt: millis("received_at").notNull(),
    status: text("status").$type<MessageStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: millis("next_attempt_at").notNull(),
    outcome: text("outcome"),
    postId: text("post_id"),
  },
  (t) => [uniqueIndex("inbound_messages_sid").on(t.sid), index("inbound_messages_received").on(t.receivedAt)],
);

export const outboundMessages = pgTable(
  "outbound_messages",
  {
    id: id(),
    phone: text("phone").notNull(),
    body: text("body").notNull(),
    secret: text("secret"),
    createdAt: millis("created_at").notNull(),
    status: text("status").$type<OutboundStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: millis("next_attempt_at").notNull(),
    twilioSid: text("twilio_sid"),
    error: text("error"),
    eraseWhenDone: boolean("erase_when_done").notNull().default(false),
    kind: text("kind").$type<OutboundKind>().notNull().default("reply"),
    sentAt: millis("sent_at"),
    delivery: text("delivery").$type<DeliveryStatus>(),
    deliveryError: integer("delivery_error"),
  },
  (t) => [
    index("outbound_messages_phone_sent").on(t.phone, t.sentAt),
    index("outbound_messages_sent").on(t.sentAt),
    index("outbound_messages_created").on(t.createdAt),
    index("outbound_messages_twilio_sid").on(t.twilioSid),
  ],
);

export const deliveryCounts = pgTable(
  "delivery_counts",
  {
    status: text("status").$type<DeliveryStatus>().notNull(),
    errorCode: integer("error_code").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.errorCode] })],
);

export const threadParts = pgTable(
  "thread_parts",
  {
    id: id(),
    phone: text("phone").notNull(),
    position: integer("position").notNull(),
    body: text("body").notNull(),
    media: media("media"),
    createdAt: millis("created_at").notNull(),
    postId: text("post_id"),
    jobId: bigint("job_id", { mode: "number" }),
  },
  (t) => [uniqueIndex("thread_parts_position").on(t.phone, t.position)],
);

export const posts = pgTable(
  "posts",
  {
    id: id(),
    phone: text("phone").notNull(),
    postId: text("post_id").notNull(),
    createdAt: millis("created_at").notNull(),
    deletedAt: millis("deleted_at"),
  },
  (t) => [index("posts_phone").on(t.phone, t.id), index("posts_created").on(t.createdAt)],
);

export const jobs = pgTable(
  "jobs",
  {
    id: id(),
    kind: text("kind").notNull(),
    lane: text("lane"),
    dedupeKey: text("dedupe_key"),
    payload: text("payload").notNull().default("{}"),
    state: text("state").$type<JobState>().notNull(),
    runAt: millis("run_at").notNull(),
    createdAt: millis("created_at").notNull(),
    startedAt: millis("started_at"),
    attempts: integer("attempts").notNull().default(0),
    faults: integer("faults").notNull().default(0),
    uncertain: boolean("uncertain").notNull().default(false),
    lockedBy: text("locked_by"),
    lockedUntil: millis("locked_until"),
    lastError: text("last_error"),
    outcome: text("outcome").$type<JobOutcome>(),
    detail: text("detail"),
    finishedAt: millis("finished_at"),
  },
  (t) => [
    index("jobs_due").on(t.state, t.kind, t.runAt, t.id),
    index("jobs_lane").on(t.lane, t.state, t.id),
    uniqueIndex("jobs_dedupe_key").on(t.dedupeKey),
    index("jobs_finished").on(t.finishedAt),
    index("jobs_state_finished").on(t.state, t.finishedAt),
  ],
);

export const metricTotals = pgTable(
  "metric_totals",
  {
    metric: text("metric").$type<TotalMetric>().notNull(),
    label: text("label").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.metric, t.label] })],
);

export const heartbeats = pgTable("heartbeats", {
  id: text("id").primaryKey(),
  pid: integer("pid").notNull(),
  host: text("host").notNull(),
  startedAt: millis("started_at").notNull(),
  refreshedAt: millis("refreshed_at").notNull(),
});

export const healthProbe = pgTable("health_probe", {
  id: integer("id").primaryKey(),
  checkedAt: millis("checked_at").notNull(),
});
