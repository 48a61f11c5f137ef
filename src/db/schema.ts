import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** An MMS attachment as Twilio links it: fetched (with credentials, from Twilio's API only) when posted. */
export type MediaItem = { url: string; contentType: string };

/** One row per phone number that ever texted us. Tokens are AES-GCM ciphertexts (see x/token-cipher). */
export const texters = sqliteTable("texters", {
  phone: text("phone").primaryKey(),
  xUserId: text("x_user_id"),
  xHandle: text("x_handle"),
  accessToken: text("access_token"),
  refreshToken: text("refresh_token"),
  tokenExpiresAt: integer("token_expires_at"),
  optedOut: integer("opted_out", { mode: "boolean" }).notNull().default(false),
  connectedAt: integer("connected_at"),
  /** Set by THREAD; the thread's parts are in `thread_parts`. */
  threadOpenedAt: integer("thread_opened_at"),
  /** Set by DELETE; CONFIRM within ten minutes erases the number. */
  deleteRequestedAt: integer("delete_requested_at"),
  /** LOCK: the PIN's HMAC (crypto/pin) and the id of the key it was made under; null when unlocked. */
  pinMac: text("pin_mac"),
  pinKeyId: text("pin_key_id"),
  /** JSON array of when wrong PINs were texted (the last 24 hours'): five freeze the number. */
  pinFailures: text("pin_failures").notNull().default("[]"),
  createdAt: integer("created_at").notNull(),
  /**
   * Set when Twilio reported that a text to the number cannot be delivered (a dead or landline number, see
   * sms/delivery-report): nothing is sent to it until it texts us again. `undeliverableCode` is Twilio's code.
   */
  undeliverableAt: integer("undeliverable_at"),
  undeliverableCode: integer("undeliverable_code"),
});

/** One-time links: only the SHA-256 of the token is kept. */
export const authLinks = sqliteTable(
  "auth_links",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tokenHash: text("token_hash").notNull(),
    phone: text("phone").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [
    uniqueIndex("auth_links_token_hash").on(t.tokenHash),
    index("auth_links_phone").on(t.phone),
    // The global link cap counts the last hour's links.
    index("auth_links_created").on(t.createdAt),
  ],
);

/** An OAuth attempt started from a link; `stateHash` is the SHA-256 of the state in the browser's cookie. */
export const oauthSessions = sqliteTable("oauth_sessions", {
  stateHash: text("state_hash").primaryKey(),
  linkId: integer("link_id")
    .notNull()
    .references(() => authLinks.id, { onDelete: "cascade" }),
  codeVerifier: text("code_verifier").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

/** Superseded by `jobs`; kept while release 0.1's columns are contracted away (migrations stay additive). */
export type MessageStatus = "pending" | "done";

/**
 * The SHA-256 of every MessageSid Twilio delivered, without the phone or the text: what recognises a
 * re-delivery even after the text itself was erased (DELETE + CONFIRM) or pruned. Pruned after retention.
 */
export const messageSids = sqliteTable(
  "message_sids",
  {
    sidHash: text("sid_hash").primaryKey(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("message_sids_received").on(t.receivedAt)],
);

/**
 * Every text Twilio delivered, once per MessageSid; the `inbound` job that interprets it points here.
 * Since migration 0003_retention `sid` holds `<received_at>:<SHA-256 of the MessageSid>` (the raw sid
 * before): unique as before, the raw sid no longer stored, and time-ordered, so its index grows at the end
 * (dedupe is `message_sids`' job). `body` and `media` are erased (`''`, `[]`) once the text's work is finished.
 */
export const inboundMessages = sqliteTable(
  "inbound_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sid: text("sid").notNull(),
    phone: text("phone").notNull(),
    body: text("body").notNull(),
    /** JSON array of `{ url, contentType }`. */
    media: text("media", { mode: "json" }).$type<MediaItem[]>().notNull().default([]),
    receivedAt: integer("received_at").notNull(),
    status: text("status").$type<MessageStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    outcome: text("outcome"),
    postId: text("post_id"),
  },
  (t) => [
    uniqueIndex("inbound_messages_sid").on(t.sid),
    // Housekeeping prunes finished texts past retention.
    index("inbound_messages_received").on(t.receivedAt),
  ],
);

export type OutboundKind =
  | "reply"
  | "limit_notice"
  | "opt_out_confirmation"
  | "help"
  | "link_limit_notice"
  | "post_limit_notice";

export type OutboundStatus = "pending" | "sent" | "suppressed" | "failed";

/**
 * How a sent text ended, as Twilio's status callbacks report it. Their interim `sent` (handed to the
 * carrier) is not kept: our own `sent` status already says Twilio took it, and it would cost a write per text.
 */
export type DeliveryStatus = "delivered" | "undelivered" | "failed";

/** Every text we send; an `sms` job sends it. `status` is the send's result, which the cost guard counts. */
export const outboundMessages = sqliteTable(
  "outbound_messages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    phone: text("phone").notNull(),
    body: text("body").notNull(),
    /** Encrypted one-time link token substituted into `body` at send time, erased once sent. */
    secret: text("secret"),
    createdAt: integer("created_at").notNull(),
    status: text("status").$type<OutboundStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    twilioSid: text("twilio_sid"),
    error: text("error"),
    /** The goodbye after DELETE: the row itself goes once the text has been handled. */
    eraseWhenDone: integer("erase_when_done", { mode: "boolean" }).notNull().default(false),
    /**
     * What the text is to the cost guard and the opt-out rule: an ordinary reply; the one notice that the
     * number's hourly cap is reached (sent past that cap, once a window); the confirmation of an opt-out
     * word Twilio did not act on (`Stop.`), the last text the number gets; an answer to HELP (counted for
     * its own cap); the one notice that the number's daily links or posts are used up.
     */
    kind: text("kind").$type<OutboundKind>().notNull().default("reply"),
    /**
     * When the text went to Twilio: what the cost guard counts. Set on a pending row while it is being
     * sent (a claim), so that a crash mid-send still counts a text that may have gone out.
     */
    sentAt: integer("sent_at"),
    /** How the text ended at the carrier (null: no report yet); the first report stays. */
    delivery: text("delivery").$type<DeliveryStatus>(),
    /** Twilio's error code with an undelivered or failed report (e.g. 30003, 30007). */
    deliveryError: integer("delivery_error"),
  },
  (t) => [
    index("outbound_messages_phone_sent").on(t.phone, t.sentAt),
    index("outbound_messages_sent").on(t.sentAt),
    index("outbound_messages_created").on(t.createdAt),
    // Status callbacks name the text by its MessageSid.
    index("outbound_messages_twilio_sid").on(t.twilioSid),
  ],
);

/**
 * How texts ended at the carrier, by final status and Twilio error code (0: none): durable totals for the
 * operator's tools, without phone numbers, so never pruned or erased. One row per (status, code).
 */
export const deliveryCounts = sqliteTable(
  "delivery_counts",
  {
    status: text("status").$type<DeliveryStatus>().notNull(),
    errorCode: integer("error_code").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.errorCode] })],
);

/** The parts of a texter's open thread, in order; `postId` is set as each part is posted (resume point). */
export const threadParts = sqliteTable(
  "thread_parts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    phone: text("phone").notNull(),
    position: integer("position").notNull(),
    body: text("body").notNull(),
    /** JSON array of `{ url, contentType }`, as in inbound_messages. */
    media: text("media", { mode: "json" }).$type<MediaItem[]>().notNull().default([]),
    createdAt: integer("created_at").notNull(),
    postId: text("post_id"),
    /** Set by DONE: the `thread` job that posts these parts; null while the thread is still open. */
    jobId: integer("job_id"),
  },
  (t) => [uniqueIndex("thread_parts_position").on(t.phone, t.position)],
);

/** Every post made by SMS, newest last: what UNDO deletes. */
export const posts = sqliteTable(
  "posts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    phone: text("phone").notNull(),
    postId: text("post_id").notNull(),
    createdAt: integer("created_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("posts_phone").on(t.phone, t.id), index("posts_created").on(t.createdAt)],
);

/** Where a job is: waiting behind its lane's head, pending (due at `runAt`), leased by a worker, or finished. */
export type JobState = "waiting" | "pending" | "running" | "done" | "failed";

/** How a finished job ended; the kind's own words go in `detail`. */
export type JobOutcome = "completed" | "refused" | "cancelled" | "gave_up";

/**
 * The durable queue (graphile-worker's shape): one row per unit of work. Jobs sharing a `lane` run one at
 * a time in `id` order: the oldest unfinished one is `pending` or `running`, the rest `waiting`.
 */
export const jobs = sqliteTable(
  "jobs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    lane: text("lane"),
    /** Created at most once per key (e.g. one housekeeping run per interval, across processes). */
    dedupeKey: text("dedupe_key"),
    /** JSON, read only by the kind's handler. */
    payload: text("payload").notNull().default("{}"),
    state: text("state").$type<JobState>().notNull(),
    runAt: integer("run_at").notNull(),
    createdAt: integer("created_at").notNull(),
    /** When the first attempt began: a request made since then may have reached X or Twilio. */
    startedAt: integer("started_at"),
    /** Times the job was started. */
    attempts: integer("attempts").notNull().default(0),
    /** Crashes and unreadable answers: the only failures the attempt cap counts. */
    faults: integer("faults").notNull().default(0),
    /** An earlier attempt may have acted (a timeout, a crash, an unreadable answer): resolve before repeating. */
    uncertain: integer("uncertain", { mode: "boolean" }).notNull().default(false),
    lockedBy: text("locked_by"),
    lockedUntil: integer("locked_until"),
    lastError: text("last_error"),
    outcome: text("outcome").$type<JobOutcome>(),
    detail: text("detail"),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    index("jobs_due").on(t.state, t.kind, t.runAt, t.id),
    index("jobs_lane").on(t.lane, t.state, t.id),
    uniqueIndex("jobs_dedupe_key").on(t.dedupeKey),
    index("jobs_finished").on(t.finishedAt),
    // /healthz counts the last minutes' finished jobs of one state without reading older rows.
    index("jobs_state_finished").on(t.state, t.finishedAt),
  ],
);

/**
 * Durable counters for `/metrics` (spec: Metrics): texts read, posts made, SMS sent and their segments,
 * by a label (`kind`, `outcome`; '' when there is none). No phone numbers, so never pruned or erased;
 * incremented in the transaction of the job that caused them, so a restart loses or repeats nothing.
 */
export const metricTotals = sqliteTable(
  "metric_totals",
  {
    metric: text("metric").$type<TotalMetric>().notNull(),
    label: text("label").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.metric, t.label] })],
);

/** The counters `metric_totals` keeps; `/metrics` names them `smstweet_<metric>_total`. */
export type TotalMetric = "inbound_texts" | "posts" | "sms_sent" | "sms_segments";

/**
 * One row per running app process, refreshed every few seconds and deleted on a clean stop: what
 * `admin restore` checks before it replaces the file under a live process. `id` is the process's own
 * random id; the rest is for the operator reading `admin status`.
 */
export const heartbeats = sqliteTable("heartbeats", {
  id: text("id").primaryKey(),
  pid: integer("pid").notNull(),
  host: text("host").notNull(),
  startedAt: integer("started_at").notNull(),
  refreshedAt: integer("refreshed_at").notNull(),
});

/**
 * One row that /healthz rewrites on every check: a write probe, proof that the database still takes writes
 * (a read-only file, a full disk, a lock held too long), as a webhook's insert would need.
 */
export const healthProbe = sqliteTable("health_probe", {
  id: integer("id").primaryKey(),
  checkedAt: integer("checked_at").notNull(),
});
