import { Elysia } from "elysia";
import { readLimitedText } from "../http/body";
import { requestSource } from "../http/origin";
import type { PageChrome } from "../web/layout";
import { AuthLinkPage } from "../web/pages";
import { type AuthAnswer, callbackAnswer, linkGoneAnswer, startAnswer } from "./answers";
import { finishConnect } from "./callback";
import type { ConnectDeps } from "./connect";
import { clearedStateCookie, readCookie, STATE_COOKIE, stateCookie } from "./cookie";
import { OAUTH_SESSION_TTL_MS } from "./oauth-sessions";
import { startConnect, viewLink } from "./start";

export type AuthDeps = ConnectDeps & PageChrome & { bodyDeadlineMs: number };

// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function authController(deps: AuthDeps) {
  const chrome: PageChrome = { sandbox: deps.sandbox ?? false };
  const send = (set: { status?: number | string }, answer: AuthAnswer): JSX.Element => {
    set.status = answer.status;
    return answer.page;
  };
  return new Elysia({ name: "auth" })
    .onAfterHandle(({ set }) => {
      // Spec: same-origin, so our own form's POST carries our Origin. The one-time link (in these pages'
      // URLs) then reaches only our own origin in a Referer, never X or anyone else.
      set.headers["referrer-policy"] = "same-origin";
      set.headers["cache-control"] = "no-store";
    })
    .get("/auth/callback", async ({ query, request, set }) => {
      set.headers["set-cookie"] = clearedStateCookie();
      const outcome = await finishConnect(deps, {
        state: query.state,
        cookie: readCookie(request.headers.get("cookie"), STATE_COOKIE),
        code: query.code,
        error: query.error,
      });
      return send(set, callbackAnswer(outcome, chrome));
    })
    .get("/auth/:token", async ({ params, set }) => {
      const view = await viewLink(deps, params.token);
      if (view.kind === "gone") return send(set, linkGoneAnswer(chrome));
      return AuthLinkPage({ ...chrome, maskedPhone: view.maskedPhone, action: `/auth/${params.token}` });
    })
    .post(
      "/auth/:token",
      async ({ params, request, set, redirect }) => {
        // Acted on only once the request is whole: a body that trickles is cut off before anything starts.
        await readLimitedText(request, { deadlineMs: deps.bodyDeadlineMs });
        const outcome = await startConnect(deps, params.token, requestSource(request.headers));
        if (outcome.kind !== "consent") return send(set, startAnswer(outcome, chrome));
        set.headers["set-cookie"] = stateCookie(outcome.state, OAUTH_SESSION_TTL_MS / 1000);
        return redirect(outcome.url, 303);
      },
      // The button posts no fields; whatever arrives is read to its end and dropped.
      { parse: "none" },
    );
}
