import { isValidPhoneNumber } from "libphonenumber-js";
import type { TwilioSender } from "./config";

/*
 * Parsers for single configuration values. Each returns a usable value and appends a sentence to
 * `problems` when the input is wrong, so that `parseConfig` can report every problem at once.
 */

export function isLoopback(origin: string): boolean {
  const { hostname } = new URL(origin);
  return hostname === "localhost" || hostname === "[::1]" || hostname.startsWith("127.");
}

export function parsePort(raw: string, problems: string[]): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535, not "${raw}"`);
    return 0;
  }
  return port;
}

/** A whole number from 1 to `max`, e.g. WORKER_CONCURRENCY; `fallback` when unset. */
export function parseCount(
  name: string,
  raw: string | undefined,
  fallback: number,
  problems: string[],
  max = 1_000_000_000,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    problems.push(`${name} must be a whole number from 1 to ${max}, not "${raw}"`);
    return fallback;
  }
  return value;
}

export function parseUrl(name: string, raw: string, problems: string[]): string {
  if (!URL.canParse(raw)) {
    problems.push(`${name} must be an absolute URL`);
    return raw;
  }
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") problems.push(`${name} must be http(s)`);
  return url.href.replace(/\/$/, "");
}

export function parseOrigin(name: string, raw: string, problems: string[]): string {
  if (raw === "") return raw;
  if (!URL.canParse(raw)) {
    problems.push(`${name} must be an absolute URL like https://example.org`);
    return raw;
  }
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") problems.push(`${name} must be http(s)`);
  if (url.pathname !== "/" || url.search || url.hash)
    problems.push(`${name} must be an origin, without a path`);
  return url.origin;
}

export function parseKey(raw: string, problems: string[], name = "TOKEN_ENCRYPTION_KEY"): Uint8Array {
  if (raw === "") return new Uint8Array();
  const bytes = Buffer.from(raw, "base64");
  if (bytes.length !== 32 || !/^[A-Za-z0-9+/=_-]+$/.test(raw)) {
    problems.push(`${name} must be 32 random bytes, base64 (openssl rand -base64 32)`);
  }
  return new Uint8Array(bytes);
}

/** The key before the last rotation: optional, and pointless (so refused) when it is the current key. */
export function parsePreviousKey(
  raw: string | undefined,
  current: Uint8Array,
  problems: string[],
): Uint8Array | undefined {
  if (raw === undefined) return undefined;
  const key = parseKey(raw, problems, "TOKEN_ENCRYPTION_KEY_PREVIOUS");
  if (key.byteLength === 32 && Buffer.from(key).equals(Buffer.from(current))) {
    problems.push(
      "TOKEN_ENCRYPTION_KEY_PREVIOUS is the same as TOKEN_ENCRYPTION_KEY: it must hold the key before the last rotation (or be unset)",
    );
  }
  return key;
}

export function parseSender(
  phoneNumber: string | undefined,
  messagingServiceSid: string | undefined,
  problems: string[],
): TwilioSender {
  if (messagingServiceSid !== undefined) {
    if (!/^MG[0-9a-fA-F]{32}$/.test(messagingServiceSid)) {
      problems.push("TWILIO_MESSAGING_SERVICE_SID must look like MG followed by 32 hex digits");
    }
    return { messagingServiceSid };
  }
  if (phoneNumber === undefined) {
    problems.push("TWILIO_PHONE_NUMBER (or TWILIO_MESSAGING_SERVICE_SID) is required");
    return { phoneNumber: "" };
  }
  if (!isValidPhoneNumber(phoneNumber)) {
    problems.push("TWILIO_PHONE_NUMBER must be a phone number in E.164 form, like +15005550006");
  }
  return { phoneNumber };
}
