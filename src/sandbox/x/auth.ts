import { bearerToken, forbidden, unauthorized } from "./http";
import type { StandInState } from "./state";
import type { StoredUser } from "./types";

/** The user behind a request's Bearer token, or X's refusal. */
export function authenticate(
  state: StandInState,
  request: Request,
  requiredScopes: readonly string[],
): { ok: true; user: StoredUser } | { ok: false; response: Response } {
  const token = bearerToken(request);
  const session = token ? state.tokens.authenticate(token) : null;
  const user = session ? state.users.byId(session.userId) : undefined;
  if (!session || !user) return { ok: false, response: unauthorized() };
  if (!requiredScopes.every((scope) => session.scope.includes(scope))) {
    return { ok: false, response: forbidden("You are not permitted to perform this action.") };
  }
  return { ok: true, user };
}
