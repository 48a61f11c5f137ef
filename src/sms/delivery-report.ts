import { countDelivery } from "../db/delivery-counts";
import { type DeliveryReport, recordDelivery } from "../db/outbound";
import { markUndeliverable, setOptedOut } from "../db/texters";
import type { Writer } from "../db/transaction";

export type { DeliveryReport } from "../db/outbound";

/** Where Twilio posts the status of every text we send (set per message as `StatusCallback`). */
export const STATUS_CALLBACK_PATH = "/sms/status";

/** The URL Twilio calls and signs: on PUBLIC_URL, as for the inbound webhook. */
export const statusCallbackUrl = (publicUrl: string): string => `${publicUrl}${STATUS_CALLBACK_PATH}`;

/**
 * Twilio error codes that say the number itself cannot take texts (Twilio's error reference):
 * 30003 unreachable handset (off, no service, or a line that cannot receive SMS), 30005 unknown or inactive
 * number, 30006 landline or unreachable carrier, 21211 invalid 'To' number, 21614 not a mobile number.
 * Not here: 30007 (carrier filtering) and 30034 (unregistered A2P 10DLC) are about our content and
 * registration, not the number, and stopping texts would punish the texter for them; 30008 (unknown error)
 * and 30001/30002 are transient or account-wide. A number that texts us again is reachable, so the mark
 * never outlives the texter's next text (30003 is often a phone that was only switched off).
 */
export const UNDELIVERABLE_CODES: ReadonlySet<number> = new Set([30003, 30005, 30006, 21211, 21614]);

/** 21610: the number texted STOP (a Messaging Service reports it as a failed text, not at create). */
const OPTED_OUT_CODE = 21610;

export type DeliveryOutcome =
  | { kind: "unknown" }
  | { kind: "stale"; phone: string }
  | { kind: "recorded"; phone: string; undeliverable: boolean; optedOut: boolean };

/**
 * Applies one status callback in the caller's transaction: how the text ended, the durable counts (once per
 * text) and what the number can take from now on. Nothing is ever sent from
 * here: a report about a dead number must not cause another text to it.
 */
export async function applyDeliveryReport(
  tx: Writer,
  report: DeliveryReport,
  now: number,
): Promise<DeliveryOutcome> {
  const recorded = await recordDelivery(tx, report);
  if (recorded.kind !== "recorded") return recorded;
  const { phone } = recorded;
  const code = report.errorCode;
  await countDelivery(tx, report.status, code);
  const undeliverable = code !== null && UNDELIVERABLE_CODES.has(code);
  if (undeliverable) await markUndeliverable(tx, phone, code, now);
  const optedOut = code === OPTED_OUT_CODE;
  if (optedOut) await setOptedOut(tx, phone, true);
  return { kind: "recorded", phone, undeliverable, optedOut };
}
