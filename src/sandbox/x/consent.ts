import type { CodeStore } from "./codes";
import { isValidUsername, type UserRegistry } from "./users";

/** The query of X's `/i/oauth2/authorize`, once it has been checked. */
export type AuthorizeParams = {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  challengeMethod: "S256" | "plain";
  scope: string[];
};

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const KNOWN_SCOPES = new Set([
  "tweet.read",
  "tweet.write",
  "tweet.moderate.write",
  "users.read",
  "follows.read",
  "follows.write",
  "offline.access",
  "space.read",
  "mute.read",
  "mute.write",
  "like.read",
  "like.write",
  "list.read",
  "list.write",
  "block.read",
  "block.write",
  "bookmark.read",
  "bookmark.write",
  "media.write",
  "dm.read",
  "dm.write",
]);

/** Errors here are shown on X's own page: with a bad client or redirect there is nowhere safe to redirect. */
export function readAuthorizeParams(query: URLSearchParams, clientId: string): Checked<AuthorizeParams> {
  const get = (name: string): string => query.get(name) ?? "";
  if (get("response_type") !== "code") return { ok: false, error: "response_type must be code." };
  if (get("client_id") !== clientId) return { ok: false, error: "Unknown client_id." };
  const redirectUri = get("redirect_uri");
  if (!/^https?:\/\//.test(redirectUri) || !URL.canParse(redirectUri)) {
    return { ok: false, error: "redirect_uri is missing or not a URL." };
  }
  const state = get("state");
  if (!state || state.length > 500) return { ok: false, error: "state is missing or too long." };
  // twitter-api-v2 sends "s256"; X accepts it case-insensitively.
  const method = get("code_challenge_method").toUpperCase();
  if (method !== "S256" && method !== "PLAIN")
    return { ok: false, error: "code_challenge_method must be S256 or plain." };
  const codeChallenge = get("code_challenge");
  if (!codeChallenge) return { ok: false, error: "code_challenge is missing." };
  const scope = get("scope").split(/\s+/).filter(Boolean);
  if (scope.length === 0 || !scope.every((name) => KNOWN_SCOPES.has(name))) {
    return { ok: false, error: "scope is missing or names an unknown scope." };
  }
  const challengeMethod = method === "S256" ? "S256" : "plain";
  return { ok: true, value: { clientId, redirectUri, state, codeChallenge, challengeMethod, scope } };
}

export type ConsentDeps = { clientId: string; users: UserRegistry; codes: CodeStore };

/** The one place that turns a consent decision into X's redirect, for the form and the test helpers alike. */
export function decide(
  deps: ConsentDeps,
  query: URLSearchParams,
  decision: { allow: true; username: string } | { allow: false },
): Checked<string> {
  const checked = readAuthorizeParams(query, deps.clientId);
  if (!checked.ok) return checked;
  const params = checked.value;
  const redirect = new URL(params.redirectUri);
  if (!decision.allow) {
    redirect.searchParams.set("error", "access_denied");
    redirect.searchParams.set("state", params.state);
    return { ok: true, value: redirect.toString() };
  }
  const username = decision.username.trim().replace(/^@/, "");
  if (!isValidUsername(username)) return { ok: false, error: "Usernames are 1 to 15 letters, digits or _." };
  const user = deps.users.ensure(username);
  const code = deps.codes.issue({
    clientId: params.clientId,
    redirectUri: params.redirectUri,
    codeChallenge: params.codeChallenge,
    challengeMethod: params.challengeMethod,
    scope: params.scope,
    userId: user.id,
  });
  redirect.searchParams.set("state", params.state);
  redirect.searchParams.set("code", code);
  return { ok: true, value: redirect.toString() };
}
