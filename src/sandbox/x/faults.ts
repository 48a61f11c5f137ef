import { rawResponse } from "../raw-body";
import { json, problem } from "./http";
import type { FaultResponse, FaultRoute } from "./types";

export type FaultQueue = {
  add(route: FaultRoute, response: FaultResponse, times: number): void;
  /** Lets `times` requests through untouched before the faults queued after them. */
  pass(route: FaultRoute, times: number): void;
  take(route: FaultRoute): TakenFault | null;
};

const TITLES: Record<number, string> = {
  400: "Invalid Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found Error",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export type TakenFault = {
  response: Response | null;
  afterHandling: boolean;
  delayMs: number;
  holdUntil: Promise<unknown> | null;
  rewrite: ((body: unknown) => unknown) | null;
};

export function createFaultQueue(): FaultQueue {
  const queued = new Map<FaultRoute, (FaultResponse | "pass")[]>();
  const push = (route: FaultRoute, entry: FaultResponse | "pass", times: number): void => {
    const list = queued.get(route) ?? [];
    for (let i = 0; i < times; i++) list.push(entry);
    queued.set(route, list);
  };
  return {
    add: (route, response, times) => push(route, response, times),
    pass: (route, times) => push(route, "pass", times),
    take(route) {
      const next = queued.get(route)?.shift();
      if (!next || next === "pass") return null;
      return {
        response: next.status === undefined ? null : toResponse({ ...next, status: next.status }),
        afterHandling: next.afterHandling === true,
        delayMs: next.delayMs ?? 0,
        holdUntil: next.holdUntil ?? null,
        rewrite: next.rewrite ?? null,
      };
    },
  };
}

function toResponse(fault: FaultResponse & { status: number }): Response {
  if (fault.raw !== undefined) return rawResponse(fault.status, fault.raw, fault.headers);
  if (fault.body !== undefined) return json(fault.body, fault.status, fault.headers);
  if (fault.status === 204 || (fault.status >= 300 && fault.status < 400)) {
    return new Response(null, { status: fault.status, headers: fault.headers ?? {} });
  }
  const title = TITLES[fault.status] ?? "Error";
  const response = problem(fault.status, title, title);
  for (const [name, value] of Object.entries(fault.headers ?? {})) response.headers.set(name, value);
  return response;
}

/** Which fault bucket a request falls in, by X's own paths. */
export function faultRouteOf(method: string, path: string): FaultRoute | null {
  if (method === "POST" && path === "/2/oauth2/token") return "token";
  if (method === "POST" && path === "/2/oauth2/revoke") return "revoke";
  if (method === "GET" && path === "/2/users/me") return "users_me";
  if (method === "GET" && /^\/2\/users\/\d{1,19}\/tweets$/.test(path)) return "timeline";
  if (method === "POST" && path === "/2/tweets") return "tweets";
  if (method === "DELETE" && path.startsWith("/2/tweets/")) return "delete_tweet";
  if (method === "GET" && /^\/2\/tweets\/\d{1,19}$/.test(path)) return "tweet";
  if (path.startsWith("/2/media/upload")) return "media";
  return null;
}
