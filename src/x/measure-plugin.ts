import type { ITwitterApiClientPlugin } from "twitter-api-v2";
import type { Measure } from "../ops/measure";

/**
 * Times every request twitter-api-v2 makes and reports it with X's own path (listed before the endpoint
 * plugin rebases it). The library resolves any status below 400 without saying which, hence `2xx`.
 */
export function measurePlugin(measure: Measure): ITwitterApiClientPlugin {
  // Keyed by the request's computed parameters: the one object every hook of a request shares.
  const started = new WeakMap<object, number>();
  const report = (params: object, path: string, status: string): void => {
    const start = started.get(params);
    if (start === undefined) return;
    started.delete(params);
    const seconds = (performance.now() - start) / 1000;
    measure({ kind: "x_request", endpoint: endpointOf(path), status, seconds });
  };
  return {
    onBeforeRequest(args) {
      started.set(args.computedParams, performance.now());
    },
    onAfterRequest(args) {
      report(args.computedParams, args.url.pathname, "2xx");
    },
    onResponseError(args) {
      report(args.computedParams, args.url.pathname, String(args.error.code));
    },
    onRequestError(args) {
      report(args.computedParams, args.url.pathname, "network");
    },
  };
}

/** One label value per endpoint, not per post: numeric ids and media ids become `:id`. */
export function endpointOf(path: string): string {
  return path
    .split("/")
    .map((part, index, parts) => (isId(part, parts[index - 1]) ? ":id" : part))
    .join("/");
}

function isId(part: string, before: string | undefined): boolean {
  // The first segment is the API's version (`/2/...`), not an id.
  if (before === "") return false;
  return /^\d+$/.test(part) || (before === "upload" && part !== "initialize");
}
