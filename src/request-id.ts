import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The id that ties one text's log lines together: the webhook that stored it, the job that read it, the post
 * and the reply it queued. It travels in each job's payload (`req`), so no table changes; while a job runs
 * (or its end commits) it is the current id, and the logger adds it to every line.
 */
const current = new AsyncLocalStorage<string | undefined>();

/** Runs `fn` with `id` as the current request id (undefined: none, whatever the caller had). */
export function withRequestId<T>(id: string | undefined, fn: () => T): T {
  return current.run(id, fn);
}

export function currentRequestId(): string | undefined {
  return current.getStore();
}

// What a proxy in front may pass as X-Request-Id: short and plain, since it is written into every log line.
const SAFE = /^[A-Za-z0-9._-]{8,64}$/;

/** The proxy's id when it sent a plain one (a trace across Caddy and the app), else a fresh one. */
export function requestIdFrom(header: string | null): string {
  return header !== null && SAFE.test(header) ? header : randomUUID();
}

/** Wraps a request handler: it runs with the request's id (`requestIdFrom` its X-Request-Id) as current. */
export function withRequestIdOf<C extends { request: Request }, R>(
  handler: (context: C) => R,
): (context: C) => R {
  return (context) =>
    withRequestId(requestIdFrom(context.request.headers.get("x-request-id")), () => handler(context));
}

/** The id a job's payload carries, if any. */
export function requestIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const req = (payload as { req?: unknown }).req;
  return typeof req === "string" ? req : undefined;
}
