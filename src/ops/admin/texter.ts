import { lastSent, lastTexts } from "../../db/reports";
import { getTexter } from "../../db/texters";
import { openPartCount } from "../../db/thread-parts";
import { maskPhone } from "../../log";
import type { AdminConfig } from "./config";
import { withDatabase } from "./database";
import { at, done, type Outcome, refused } from "./report";

const LAST = 10;

/** `admin texter <phone>`: the number's state and what became of its last texts; masked, never bodies. */
export function texter(config: AdminConfig, phone: string): Promise<Outcome> {
  return withDatabase(config.database, async (db) => {
    const row = await getTexter(db, phone);
    const masked = maskPhone(phone);
    if (!row) return refused(`${masked} has never texted (or was erased)`);
    const state = {
      phone: masked,
      connected: row.refreshToken !== null,
      handle: row.xHandle,
      connectedAt: at(row.connectedAt),
      locked: row.pinMac !== null,
      wrongPins: (JSON.parse(row.pinFailures) as unknown[]).length,
      optedOut: row.optedOut,
      undeliverableAt: at(row.undeliverableAt),
      undeliverableCode: row.undeliverableCode,
      threadOpenedAt: at(row.threadOpenedAt),
      threadParts: row.threadOpenedAt === null ? 0 : await openPartCount(db, phone),
      deleteRequestedAt: at(row.deleteRequestedAt),
      firstTextAt: at(row.createdAt),
    };
    const texts = await lastTexts(db, phone, LAST);
    const sent = await lastSent(db, phone, LAST);
    const reason = (jobs: (typeof texts)[number]["jobs"]): string | null =>
      jobs.map((j) => `${j.kind} #${j.id} ${j.state}${j.lastError ? `: ${j.lastError}` : ""}`).join("; ") ||
      null;
    return done({
      data: { texter: state, texts, sent },
      tables: [
        {
          title: `Texter ${masked}`,
          columns: ["what", "value"],
          rows: Object.entries(state).map(([k, v]) => [k, show(v)]),
        },
        {
          title: "Last texts received",
          columns: ["text", "received", "outcome", "jobs"],
          rows: texts.map((t) => [t.messageId, at(t.receivedAt), t.outcome ?? "pending", reason(t.jobs)]),
        },
        {
          title: "Last texts sent",
          columns: ["text", "queued", "status", "delivery", "error"],
          rows: sent.map((s) => [s.id, at(s.createdAt), s.status, s.delivery, s.error]),
        },
      ],
    });
  });
}

function show(value: string | number | boolean | null): string | number | null {
  return typeof value === "boolean" ? (value ? "yes" : "no") : value;
}
