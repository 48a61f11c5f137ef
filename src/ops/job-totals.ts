import { INBOUND_JOB } from "../db/inbound";
import { addToTotal } from "../db/metric-totals";
import { SMS_JOB } from "../db/outbound";
import type { JobEnd, JobObserver } from "../queue/types";
import { POST_JOB } from "../sms/commands/post";
import { THREAD_JOB } from "../sms/commands/thread";

/** What a text was, by how its inbound job ended (`kind` of smstweet_inbound_texts_total). */
export type InboundKind = "post" | "command" | "thread_part" | "connect" | "ignored";

const INBOUND_KINDS: Record<string, InboundKind> = {
  post_queued: "post",
  thread_part: "thread_part",
  link_sent: "connect",
  reconnect_link_sent: "connect",
  link_throttled: "connect",
  // Erased (DELETE + CONFIRM) before it was read: nothing was done with it.
  erased: "ignored",
};

/**
 * Counts each job's end into the durable totals, in its commit (spec: Metrics). Segments are counted by
 * the send job itself, which has the text; everything else is read from how the job ended.
 */
export const countJobEnd: JobObserver = async (tx, end) => {
  const counted = totalOf(end);
  if (counted) await addToTotal(tx, counted.metric, counted.label);
};

function totalOf(end: JobEnd): { metric: "inbound_texts" | "posts" | "sms_sent"; label: string } | null {
  const { kind, outcome, detail } = end;
  if (kind === INBOUND_JOB) {
    // A text that gave up was never read: it is counted among the posts' and replies' failures instead.
    if (outcome === "gave_up") return null;
    return { metric: "inbound_texts", label: INBOUND_KINDS[detail ?? ""] ?? "command" };
  }
  if (kind === POST_JOB || kind === THREAD_JOB) {
    const label = postOutcome(end);
    return label === null ? null : { metric: "posts", label };
  }
  if (kind === SMS_JOB) {
    if (detail === "sent") return { metric: "sms_sent", label: "sent" };
    if (outcome === "gave_up" || detail === "rejected") return { metric: "sms_sent", label: "failed" };
  }
  return null;
}

function postOutcome({ outcome, detail }: JobEnd): string | null {
  if (outcome === "gave_up") return "gave_up";
  if (detail === "posted" || detail === "thread_posted") return "posted";
  // X already had it (a repeat after a lost answer): posted once, not twice.
  if (detail === "posted_earlier") return "duplicate";
  if (outcome === "refused") return "refused";
  return null;
}
