import type { ITwitterApiClientPlugin } from "twitter-api-v2";
import { XUnreadableAnswer } from "./errors";

/**
 * twitter-api-v2 resolves any status below 400 with whatever body came (a string for HTML or `OK`, undefined
 * for an empty JSON body; it never follows redirects), then dereferences it: `loginWithOAuth2` and
 * `uploadMedia` fail with TypeErrors, and `userTimeline` quietly reports an empty timeline. This plugin stops
 * such answers before the library sees them, as XUnreadableAnswer. Shapes beyond what the library needs are
 * checked by the gateway's readers (`answers.ts`).
 */
export function answerCheckPlugin(): ITwitterApiClientPlugin {
  return {
    onAfterRequest({ url, response }) {
      const problem = problemWith(url.pathname, response.data);
      if (problem === null) return;
      const location = header(response.headers, "location");
      const type = header(response.headers, "content-type")?.split(";")[0];
      const how = location ? `a redirect to ${withoutQuery(location)}` : type ? `${type} content` : "no type";
      throw new XUnreadableAnswer(`X answered ${problem} (${how})`);
    },
  };
}

/** What makes the answer unusable, or null. Every other answer X documents for our calls is a JSON object. */
function problemWith(path: string, data: unknown): string | null {
  // The library ignores what APPEND answers, and X does not promise a body there.
  if (/\/2\/media\/upload\/[^/]+\/append$/.test(path)) return null;
  if (data === undefined || data === "") return "with an empty body";
  if (!isObject(data))
    return typeof data === "string" ? "with a body that is not JSON" : "with JSON that is not an object";
  if (path.endsWith("/2/oauth2/token")) {
    return typeof data.access_token === "string" && typeof data.scope === "string"
      ? null
      : "a token without access_token or scope";
  }
  if (path.includes("/2/media/upload")) {
    // The upload (media-upload.ts) builds the next requests' URLs from INITIALIZE's data.id.
    if (!isObject(data.data)) return "media without data";
    if (path.endsWith("/initialize") && typeof data.data.id !== "string") return "media without an id";
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === "string" ? value : undefined;
}

/** Redirect targets can carry tokens in their query; logs get origin and path only. */
function withoutQuery(location: string): string {
  return location.split(/[?#]/)[0] ?? "";
}
