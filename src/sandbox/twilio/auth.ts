import { timingSafeEqual } from "node:crypto";

/** Checks HTTP Basic credentials the way Twilio's API does: username AccountSid, password AuthToken. */
export function hasValidBasicAuth(request: Request, accountSid: string, authToken: string): boolean {
  const header = request.headers.get("authorization");
  if (header === null || !/^basic /i.test(header)) return false;
  const expected = Buffer.from(`${accountSid}:${authToken}`);
  const given = Buffer.from(Buffer.from(header.slice(6).trim(), "base64").toString("utf8"));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
