import type { CountryCode } from "libphonenumber-js";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { UsageError } from "./report";

/**
 * A number as typed by the operator (E.164 or national) in the E.164 form the tables hold. Possible, not
 * valid: fictional and newly allocated ranges text us too, and the operator must reach their rows.
 */
export function phoneArgument(raw: string | undefined, country: CountryCode): string {
  if (raw === undefined) throw new UsageError("a phone number is required");
  const parsed = parsePhoneNumberFromString(raw, country);
  if (!parsed?.isPossible()) throw new UsageError(`not a phone number: ${raw}`);
  return parsed.number;
}
