import type { ITwitterApiClientPlugin } from "twitter-api-v2";

/**
 * twitter-api-v2 only takes `timeout` per raw request, and its high-level methods (`v2.tweet`, `loginWithOAuth2`,
 * ...) never pass one, so without this a stalled X would hang a call forever. The value reaches
 * `https.request`, i.e. it bounds socket inactivity; the library then fails with "Request timeout.".
 */
export function timeoutPlugin(timeoutMs: number): ITwitterApiClientPlugin {
  return {
    onBeforeRequest(args) {
      args.requestOptions.timeout = timeoutMs;
    },
  };
}
