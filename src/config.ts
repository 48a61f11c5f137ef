import { type DatabaseConfig, parseDatabase } from "./config-database";
import {
  isLoopback,
  parseCount,
  parseKey,
  parseOrigin,
  parsePort,
  parsePreviousKey,
  parseSender,
  parseUrl,
} from "./config-values";
import { DEFAULT_RETENTION_DAYS } from "./db/retention";
import { INTENT_PROBLEM, sandboxIntent } from "./mode";
import { DEFAULT_LIMITS, type Limits } from "./sms/limits";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** ROLE: what this process does (spec: Decisions → Roles). */
export type Role = "all" | "web" | "worker";

export type TwilioSender = { phoneNumber: string } | { messagingServiceSid: string };

export type Config = Readonly<{
  mode: "production" | "sandbox";
  port: number;
  host: string;
  /** Origin without trailing slash, e.g. `https://smstweet.org`. */
  publicUrl: string;
  /** DATABASE_URL (PostgreSQL, with DATABASE_POOL_SIZE) when set, else the SQLite file at DATABASE_PATH. */
  database: DatabaseConfig;
  /** Startup notices for the log: settings that are valid but do not do what they might seem to. */
  notices: readonly string[];
  /** 32 raw bytes; AES-256-GCM key for X tokens at rest. */
  tokenEncryptionKey: Uint8Array;
  /** 32 raw bytes; the key before the last rotation, which still decrypts. Never set in sandbox mode. */
  previousTokenEncryptionKey?: Uint8Array;
  twilio: Readonly<{ accountSid: string; authToken: string; sender: TwilioSender; apiUrl: string }>;
  x: Readonly<{ clientId: string; clientSecret: string; apiUrl: string; authorizeUrl: string }>;
  logLevel: LogLevel;
  /** WORKER_CONCURRENCY: jobs worked at once; sized for X's latency by default. */
  workerConcurrency: number;
  /**
   * QUEUE_POLL_MS: how often delivery looks for due work nobody announced (another process's text on
   * SQLite). On PostgreSQL replicas announce work (LISTEN/NOTIFY) and the poll, ten times slower, is a safety net.
   */
  queuePollMs?: number;
  /** The cost and abuse caps (MAX_TEXTS_PER_HOUR and the rest; see sms/limits). */
  limits: Readonly<Limits>;
  /** RETENTION_DAYS: finished rows (jobs, texts without their bodies, post ids) are pruned after this. */
  retentionDays: number;
  /** DRAIN_SECONDS: after SIGTERM, how long `/healthz?ready` says 503 while the process still serves. */
  drainSeconds: number;
  /** ROLE: `web` serves the webhooks and pages without delivery; `worker` delivers and serves only health. */
  role: Role;
  /** METRICS_TOKEN: admits `Authorization: Bearer <token>` to /metrics from outside the private networks. */
  metricsToken?: string;
}>;

/** What each mode's own parser builds; the settings common to both are added after. */
export type ModeConfig = { databasePath: string } & Omit<
  Config,
  | "workerConcurrency"
  | "queuePollMs"
  | "limits"
  | "retentionDays"
  | "drainSeconds"
  | "role"
  | "metricsToken"
  | "database"
  | "notices"
>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export const PRODUCTION_DATABASE_PATH = "./data/smstweet.db";

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** X answers in a few hundred milliseconds: this many jobs at once keep ~150 posts/s going at 300 ms. */
const DEFAULT_CONCURRENCY = 64;

/** Half a second: a text stored by another process on SQLite waits at most this long to be read. */
const DEFAULT_QUEUE_POLL_MS = 500;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export type Env = Record<string, string | undefined>;

export type Reader = (name: string) => string | undefined;

export type Common = { port: number; logLevel: LogLevel; problems: string[] };

/** Builds one mode's settings; problems go into `common.problems`. The sandbox's entry brings its own. */
export type ModeParser = (read: Reader, common: Common) => ModeConfig;

/** Reads the environment once; reports every problem together rather than the first. */
export function parseConfig(env: Env, parseMode: ModeParser = productionConfig): ConfigResult {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const port = parsePort(read("PORT") ?? "3000", problems);
  const logLevel = (read("LOG_LEVEL") ?? "info").toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const workerConcurrency = parseCount(
    "WORKER_CONCURRENCY",
    read("WORKER_CONCURRENCY"),
    DEFAULT_CONCURRENCY,
    problems,
    10_000,
  );
  const queuePollMs = parseCount(
    "QUEUE_POLL_MS",
    read("QUEUE_POLL_MS"),
    DEFAULT_QUEUE_POLL_MS,
    problems,
    3_600_000,
  );
  const limits = parseLimits(read, problems);
  const retentionDays = parseRetentionDays(read, problems);
  const drainSeconds = parseDrainSeconds(read("DRAIN_SECONDS"), problems);
  const metricsToken = parseMetricsToken(read("METRICS_TOKEN"), problems);
  const role = parseRole(read("ROLE"), problems);
  if (sandboxIntent(read("SMSTWEET_SANDBOX")) === "invalid") problems.push(INTENT_PROBLEM);
  const config = parseMode(read, { port, logLevel, problems });
  const { database, notices } = parseDatabase(
    read("DATABASE_URL"),
    read("DATABASE_POOL_SIZE"),
    config.databasePath,
    read("DATABASE_PATH") !== undefined,
    problems,
  );
  return problems.length > 0
    ? { ok: false, problems }
    : {
        ok: true,
        config: Object.freeze({
          ...withoutPath(config),
          database,
          notices: Object.freeze(notices),
          workerConcurrency,
          queuePollMs,
          limits,
          retentionDays,
          drainSeconds,
          role,
          ...(metricsToken ? { metricsToken } : {}),
        }),
      };
}

/** Long enough for a load balancer's health check to see the 503; short beside Docker's 30 s grace period. */
const DEFAULT_DRAIN_SECONDS = 5;
const MAX_DRAIN_SECONDS = 300;

/** 0 is allowed (stop at once): a single process has no one to hand its webhooks to. */
function parseDrainSeconds(value: string | undefined, problems: string[]): number {
  if (value === undefined) return DEFAULT_DRAIN_SECONDS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_DRAIN_SECONDS) {
    problems.push(`DRAIN_SECONDS must be a whole number from 0 to ${MAX_DRAIN_SECONDS}, not "${value}"`);
    return DEFAULT_DRAIN_SECONDS;
  }
  return seconds;
}

const ROLES: readonly Role[] = ["all", "web", "worker"];

function parseRole(value: string | undefined, problems: string[]): Role {
  const role = (value ?? "all").toLowerCase() as Role;
  if (ROLES.includes(role)) return role;
  problems.push(`ROLE must be one of ${ROLES.join(", ")}, not "${value}"`);
  return "all";
}

/** A bearer token guessable in a scrape interval's worth of tries would open /metrics to anyone. */
const MIN_METRICS_TOKEN = 16;

function parseMetricsToken(value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (value.length < MIN_METRICS_TOKEN || /\s/.test(value)) {
    problems.push(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN} characters without spaces`);
    return undefined;
  }
  return value;
}

/** The variable that sets each cap (spec: configuration). */
const LIMIT_VARIABLES: Record<keyof Limits, string> = {
  perNumberPerHour: "MAX_TEXTS_PER_NUMBER_PER_HOUR",
  globalPerHour: "MAX_TEXTS_PER_HOUR",
  linksPerHour: "MAX_LINKS_PER_HOUR",
  linksPerNumberPerDay: "MAX_LINKS_PER_NUMBER_PER_DAY",
  helpPerNumberPerHour: "MAX_HELP_PER_NUMBER_PER_HOUR",
  postsPerNumberPerDay: "MAX_POSTS_PER_NUMBER_PER_DAY",
};

/** RETENTION_DAYS, read the same way by the app and by `admin` (which prunes nothing but reports by it). */
export function parseRetentionDays(read: Reader, problems: string[]): number {
  return parseCount("RETENTION_DAYS", read("RETENTION_DAYS"), DEFAULT_RETENTION_DAYS, problems, 36_500);
}

export function parseLimits(read: Reader, problems: string[]): Readonly<Limits> {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(LIMIT_VARIABLES) as [keyof Limits, string][]) {
    limits[key] = parseCount(name, read(name), DEFAULT_LIMITS[key], problems);
  }
  return Object.freeze(limits);
}
function productionConfig(read: Reader, { port, logLevel, problems }: Common): ModeConfig {
  if (sandboxIntent(read("SMSTWEET_SANDBOX")) === "on") {
    problems.push(
      "SMSTWEET_SANDBOX asks for sandbox mode, which never runs with real credentials and starts only with " +
        "`bun run start`: unset SMSTWEET_SANDBOX to run for real.",
    );
  }
  const required = (name: string, why = "is required"): string => {
    const value = read(name);
    if (value === undefined) problems.push(`${name} ${why}`);
    return value ?? "";
  };
  const host = read("HOST") ?? "0.0.0.0";
  const publicUrl = parseOrigin("PUBLIC_URL", required("PUBLIC_URL"), problems);
  if (publicUrl.startsWith("http:") && !isLoopback(publicUrl)) {
    problems.push("PUBLIC_URL must be https (Twilio and X call it from the internet)");
  }
  const tokenEncryptionKey = parseKey(required("TOKEN_ENCRYPTION_KEY"), problems);
  const previousTokenEncryptionKey = parsePreviousKey(
    read("TOKEN_ENCRYPTION_KEY_PREVIOUS"),
    tokenEncryptionKey,
    problems,
  );

  const accountSid = required("TWILIO_ACCOUNT_SID");
  if (accountSid && !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    problems.push("TWILIO_ACCOUNT_SID must look like AC followed by 32 hex digits");
  }
  const authToken = required("TWILIO_AUTH_TOKEN");
  const sender = parseSender(read("TWILIO_PHONE_NUMBER"), read("TWILIO_MESSAGING_SERVICE_SID"), problems);

  return Object.freeze({
    mode: "production",
    port,
    host,
    publicUrl,
    databasePath: read("DATABASE_PATH") ?? PRODUCTION_DATABASE_PATH,
    tokenEncryptionKey,
    ...(previousTokenEncryptionKey ? { previousTokenEncryptionKey } : {}),
    twilio: Object.freeze({
      accountSid,
      authToken,
      sender,
      apiUrl: parseOrigin("TWILIO_API_URL", read("TWILIO_API_URL") ?? "https://api.twilio.com", problems),
    }),
    x: Object.freeze({
      clientId: required("X_CLIENT_ID"),
      clientSecret: required("X_CLIENT_SECRET"),
      apiUrl: parseOrigin("X_API_URL", read("X_API_URL") ?? "https://api.x.com", problems),
      authorizeUrl: parseUrl(
        "X_AUTHORIZE_URL",
        read("X_AUTHORIZE_URL") ?? "https://x.com/i/oauth2/authorize",
        problems,
      ),
    }),
    logLevel,
  });
}

/** DATABASE_PATH as the mode resolved it lives on only in `database`. */
function withoutPath({ databasePath: _, ...rest }: ModeConfig): Omit<ModeConfig, "databasePath"> {
  return rest;
}
