import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { PRODUCTION_DATABASE_PATH, parseLimits, parseRetentionDays } from "../../config";
import { type DatabaseConfig, parseDatabase } from "../../config-database";
import { parseKey, parsePreviousKey } from "../../config-values";
import type { Limits } from "../../sms/limits";

export type AdminConfig = Readonly<{
  /** DATABASE_URL when set (PostgreSQL), else the SQLite file, as the app chooses. */
  database: DatabaseConfig;
  /** DATABASE_PATH: the SQLite file (backup and restore work on it, and only on it). */
  databasePath: string;
  /** Where national numbers typed on the command line are read: the service number's country, or US. */
  defaultCountry: CountryCode;
  limits: Readonly<Limits>;
  retentionDays: number;
}>;

export type AdminKeys = Readonly<{ current: Uint8Array; previous?: Uint8Array }>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

type Env = Record<string, string | undefined>;

/**
 * Only what the admin needs, parsed as the app parses it: the database (DATABASE_URL wins over
 * DATABASE_PATH) and the caps. Twilio and X
 * credentials are not asked for, so `backup` works on a host without the app's secrets; the keys are
 * read only by the command that needs them (`readKeys`).
 */
export function readAdminConfig(env: Env): Parsed<AdminConfig> {
  const read = (name: string): string | undefined => env[name]?.trim() || undefined;
  const problems: string[] = [];
  const databasePath = read("DATABASE_PATH") ?? PRODUCTION_DATABASE_PATH;
  const { database } = parseDatabase(
    read("DATABASE_URL"),
    read("DATABASE_POOL_SIZE"),
    databasePath,
    false,
    problems,
  );
  const limits = parseLimits(read, problems);
  const retentionDays = parseRetentionDays(read, problems);
  const service = read("TWILIO_PHONE_NUMBER");
  const defaultCountry = (service && parsePhoneNumberFromString(service)?.country) || "US";
  if (problems.length > 0) return { ok: false, problem: problems.join("; ") };
  return {
    ok: true,
    value: Object.freeze({
      database,
      databasePath,
      defaultCountry,
      limits,
      retentionDays,
    }),
  };
}

/** TOKEN_ENCRYPTION_KEY (required) and TOKEN_ENCRYPTION_KEY_PREVIOUS, with the app's own checks. */
export function readKeys(env: Env): Parsed<AdminKeys> {
  const problems: string[] = [];
  const raw = env.TOKEN_ENCRYPTION_KEY?.trim();
  if (!raw) problems.push("TOKEN_ENCRYPTION_KEY is required");
  const current = parseKey(raw ?? "", problems);
  const previousRaw = env.TOKEN_ENCRYPTION_KEY_PREVIOUS?.trim() || undefined;
  const previous = parsePreviousKey(previousRaw, current, problems);
  if (problems.length > 0) return { ok: false, problem: problems.join("; ") };
  return { ok: true, value: Object.freeze({ current, ...(previous ? { previous } : {}) }) };
}
