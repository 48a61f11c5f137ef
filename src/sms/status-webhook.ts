import { Elysia } from "elysia";
import type { Clock } from "../clock";
import type { Database } from "../db/client";
import type { DeliveryStatus } from "../db/schema";
import { transact } from "../db/transaction";
import { badRequest } from "../http/errors";
import { type Logger, maskPhone } from "../log";
import {
  applyDeliveryReport,
  type DeliveryReport,
  STATUS_CALLBACK_PATH,
  statusCallbackUrl,
} from "./delivery-report";
import { MESSAGE_SID, readSignedForm } from "./twilio-request";

export type StatusWebhookDeps = {
  db: Database;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  twilio: { accountSid: string; authToken: string };
  bodyDeadlineMs: number;
};

/**
 * The statuses we record: how a text ended. Twilio's others (sent, queued, sending, accepted, read, …) are
 * answered and ignored, so a late `sent` can never undo `delivered`.
 */
const TRACKED: ReadonlySet<string> = new Set<DeliveryStatus>(["delivered", "undelivered", "failed"]);
const ERROR_CODE = /^\d{1,6}$/;

/**
 * Twilio's status callback for the texts we send (`StatusCallback` on each): verify, record, answer 204.
 * Callbacks come in any order and may repeat; the first final status stays, and a MessageSid we no longer
 * know (pruned, erased) is answered and forgotten.
 */
// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function statusController(deps: StatusWebhookDeps) {
  const signedUrl = statusCallbackUrl(deps.publicUrl);
  const { db, logger } = deps;
  return new Elysia({ name: "sms-status" }).post(
    STATUS_CALLBACK_PATH,
    async ({ request, set }) => {
      const fields = await readSignedForm(request, {
        authToken: deps.twilio.authToken,
        signedUrls: [signedUrl],
        logger,
        deadlineMs: deps.bodyDeadlineMs,
      });
      const report = readReport(fields, deps.twilio.accountSid);
      set.status = 204;
      if (report === null) return;
      // Relaxed: a report lost to a power cut costs a count, and the webhook's loop no fsync per callback.
      const outcome = await transact(
        db,
        (tx) => applyDeliveryReport(tx, report, deps.clock.now()),
        "relaxed",
      );
      if (outcome.kind === "unknown") {
        logger.debug("sms.status_unknown", { status: report.status });
        return;
      }
      const to = maskPhone(outcome.phone);
      if (report.status === "undelivered" || report.status === "failed") {
        const stale = outcome.kind === "stale";
        logger.warn("sms.undelivered", { to, status: report.status, code: report.errorCode, stale });
      }
      if (outcome.kind !== "recorded") return;
      if (outcome.undeliverable) logger.warn("sms.number_undeliverable", { to, code: report.errorCode });
      if (outcome.optedOut) logger.info("sms.recipient_opted_out", { to });
    },
    // Not parsed by Elysia: readSignedForm checks the signature over every field as Twilio sent it.
    { parse: "none" },
  );
}

/** The report in a signed callback; null for a status we do not track. */
function readReport(fields: Record<string, string>, accountSid: string): DeliveryReport | null {
  if (fields.AccountSid !== accountSid) throw badRequest("AccountSid does not match this service");
  const sid = fields.MessageSid ?? "";
  if (!MESSAGE_SID.test(sid)) throw badRequest("MessageSid is missing or malformed");
  const status = fields.MessageStatus ?? "";
  if (status === "") throw badRequest("MessageStatus is missing");
  const code = fields.ErrorCode ?? "";
  if (code !== "" && !ERROR_CODE.test(code)) throw badRequest("ErrorCode is malformed");
  if (!TRACKED.has(status)) return null;
  // Only a text that did not arrive has an error that means something.
  const failed = status === "undelivered" || status === "failed";
  return { sid, status: status as DeliveryStatus, errorCode: failed && code !== "" ? Number(code) : null };
}
