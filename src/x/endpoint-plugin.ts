import http from "node:http";
import type { ITwitterApiClientPlugin } from "twitter-api-v2";

/**
 * Points twitter-api-v2 at `apiUrl` (X_API_URL) instead of its hard-coded https://api.x.com, keeping X's paths
 * under any path prefix of `apiUrl`.
 */
export function endpointPlugin(apiUrl: string): ITwitterApiClientPlugin {
  const target = new URL(apiUrl);
  const prefix = target.pathname.replace(/\/+$/, "");
  // twitter-api-v2 always calls https.request, which rejects http: URLs unless the agent speaks http.
  const plainAgent = target.protocol === "http:" ? new http.Agent({ keepAlive: true }) : null;
  return {
    onBeforeRequest(args) {
      // `args.url` is a throwaway copy; `computedParams.url` is the object the request is built from.
      const url = args.computedParams.url;
      url.protocol = target.protocol;
      url.hostname = target.hostname;
      url.port = target.port;
      url.pathname = prefix + url.pathname;
      if (plainAgent) args.requestOptions.agent = plainAgent;
    },
  };
}
