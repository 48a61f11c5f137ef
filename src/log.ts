import type { LogLevel } from "./config";
import { currentRequestId } from "./request-id";

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type Logger = {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
};

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * JSON lines on stdout. Callers pass event names and counts, never bodies or tokens;
 * phone numbers go through `maskPhone` first (the spec forbids full numbers in logs). Lines written while a
 * webhook or a job runs carry its request id (`req`).
 */
export function createLogger(level: LogLevel, write: (line: string) => void = console.log): Logger {
  const emit =
    (at: LogLevel) =>
    (event: string, fields: LogFields = {}): void => {
      if (RANK[at] < RANK[level]) return;
      const req = currentRequestId();
      const line = { time: new Date().toISOString(), level: at, event, ...(req ? { req } : {}), ...fields };
      write(JSON.stringify(line));
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = createLogger("error", () => {});

/** `+15551234567` → `•••• 4567`: enough to tell texters apart in logs and on pages, no more. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return `•••• ${digits.slice(-4)}`;
}
