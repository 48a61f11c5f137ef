import { rewriteJson } from "../contract/exchange";
import { createTweetRoute, deleteTweetRoute, meRoute, tweetRoute, userTimelineRoute } from "./api-routes";
import { authorizeDecision, authorizePage } from "./authorize-routes";
import { type ContractGuard, checkAnswer, operationOf, refusal } from "./contract-guard";
import { faultRouteOf, type TakenFault } from "./faults";
import { json, problem } from "./http";
import { appendRoute, finalizeRoute, initializeRoute, statusRoute } from "./media-routes";
import { revokeRoute, tokenRoute } from "./oauth-routes";
import type { StandInState } from "./state";
import type { RequestLogEntry } from "./types";

/** X's own path inside whatever prefix the stand-in is mounted under. */
const X_PATH = /(\/2\/(?:oauth2|users|tweets|media)(?:\/.*)?|\/i\/oauth2\/authorize\/?)$/;

export type RouterOptions = { log: RequestLogEntry[]; delayMs: () => number; guard: ContractGuard };

export async function route(
  state: StandInState,
  request: Request,
  options: RouterOptions,
): Promise<Response> {
  const method = request.method.toUpperCase();
  const path =
    X_PATH.exec(new URL(request.url).pathname)?.[1]?.replace(/\/$/, "") ?? new URL(request.url).pathname;
  options.log.push({ method, path });
  if (path.startsWith("/2/")) {
    const delay = options.delayMs();
    if (delay > 0) await Bun.sleep(delay);
    // A client that hung up while the request waited never reached X: nothing is created.
    if (request.signal.aborted) return new Response(null, { status: 499 });
  }
  const operation = operationOf(method, path);
  const refused = operation ? await refusal(state, request, operation, options.guard) : null;
  if (refused) return refused;
  const faultRoute = faultRouteOf(method, path);
  const fault = faultRoute ? state.faults.take(faultRoute) : null;
  if (fault && !fault.afterHandling) {
    await hold(fault);
    // A fault with no status of its own only holds X's answer back; here X has not acted yet.
    if (fault.response) return fault.response;
  }
  let response: Response;
  try {
    response = await dispatch(state, request, method, path);
  } catch {
    response = problem(500, "Internal Server Error", "Internal Server Error");
  }
  // X acted; its answer is late (past the client's timeout) or replaced by an unreadable one.
  if (fault) await hold(fault);
  if (fault?.response) return fault.response;
  if (fault?.rewrite) response = await rewriteJson(response, fault.rewrite);
  if (operation) await checkAnswer(request, operation, response, options.guard);
  return response;
}

async function hold(fault: TakenFault): Promise<void> {
  if (fault.delayMs > 0) await Bun.sleep(fault.delayMs);
  await fault.holdUntil;
}

function dispatch(
  state: StandInState,
  request: Request,
  method: string,
  path: string,
): Response | Promise<Response> {
  const key = `${method} ${path}`;
  switch (key) {
    case "POST /2/oauth2/token":
      return tokenRoute(state, request);
    case "POST /2/oauth2/revoke":
      return revokeRoute(state, request);
    case "GET /2/users/me":
      return meRoute(state, request);
    case "POST /2/tweets":
      return createTweetRoute(state, request);
    case "POST /2/media/upload/initialize":
      return initializeRoute(state, request);
    case "GET /2/media/upload":
      return statusRoute(state, request);
    case "GET /i/oauth2/authorize":
      return authorizePage(state, request);
    case "POST /i/oauth2/authorize":
      return authorizeDecision(state, request);
  }
  const timeline = /^GET \/2\/users\/(\d{1,19})\/tweets$/.exec(key);
  if (timeline?.[1]) return userTimelineRoute(state, request, timeline[1]);
  const tweet = /^DELETE \/2\/tweets\/(\d{1,19})$/.exec(key);
  if (tweet?.[1]) return deleteTweetRoute(state, request, tweet[1]);
  const single = /^GET \/2\/tweets\/(\d{1,19})$/.exec(key);
  if (single?.[1]) return tweetRoute(state, request, single[1]);
  const upload = /^POST \/2\/media\/upload\/(\d{1,19})\/(append|finalize)$/.exec(key);
  if (upload?.[1]) {
    return upload[2] === "append"
      ? appendRoute(state, request, upload[1])
      : finalizeRoute(state, request, upload[1]);
  }
  return json({ errors: [{ message: "Sorry, that page does not exist", code: 34 }] }, 404);
}
