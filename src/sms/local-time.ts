import { getCountry } from "countries-and-timezones";
import { parsePhoneNumberFromString } from "libphonenumber-js";

/**
 * A time in a reply, 24-hour `HH:MM`, in the texter's own zone when their number's country has exactly one
 * (spec), else in UTC with the zone named: "14:05" for a British number, "13:05 UTC" for an American one.
 */
export function timeFor(phone: string, at: number): string {
  const zone = onlyZoneOf(phone);
  return zone === null ? `${hhmm(at, "UTC")} UTC` : hhmm(at, zone);
}

function onlyZoneOf(phone: string): string | null {
  const country = parsePhoneNumberFromString(phone)?.country;
  const zones = country ? getCountry(country)?.timezones : undefined;
  return zones?.length === 1 ? (zones[0] ?? null) : null;
}

function hhmm(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(at));
}
