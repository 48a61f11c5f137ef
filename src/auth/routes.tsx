import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import { maskPhone } from "../log";
import type { PageChrome } from "../web/layout";
import { AuthLinkPage, MessagePage } from "../web/pages";
import { type ConnectDeps, connectAccount } from "./connect";
import { clearedStateCookie, readCookie, STATE_COOKIE, stateCookie } from "./cookie";
import { findUsableLink } from "./links";
import { findOAuthSession, OAUTH_SESSION_TTL_MS, startOAuthSession } from "./oauth-sessions";

export type AuthDeps = ConnectDeps & PageChrome;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const linkGone = (chrome: PageChrome): JSX.Element =>
  MessagePage({
    ...chrome,
    title: "This link no longer works",
    // Never "text anything": for someone already connected, that text would be posted in public.
    lines: [
      "Links work once, for 15 minutes.",
      "Text STATUS to the service's number to check your connection; if you are not connected, its reply says how to get a new link.",
    ],
  });

const stateMismatch = (chrome: PageChrome): JSX.Element =>
  MessagePage({
    ...chrome,
    // Also what a reload or the back button shows after connecting: say what is true for both.
    title: "This sign-in is finished, or was started elsewhere",
    lines: [
      "Text STATUS to the service's number to check whether your X account is connected.",
      "Not connected? Open the link from your text message again, in the browser you started in, within 15 minutes.",
    ],
  });

// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function authController(deps: AuthDeps) {
  const { db, cipher, clock } = deps;
  const chrome: PageChrome = { sandbox: deps.sandbox ?? false };
  const ownOrigin = new URL(deps.redirectUri).origin;
  const LINK_GONE = linkGone(chrome);
  const STATE_MISMATCH = stateMismatch(chrome);
  return new Elysia({ name: "auth" })
    .onAfterHandle(({ set }) => {
      // The one-time link is in these pages' URLs: never let it leak through Referer.
      set.headers["referrer-policy"] = "no-referrer";
      set.headers["cache-control"] = "no-store";
    })
    .get("/auth/callback", async ({ query, request, set }) => {
      const state = query.state ?? "";
      const cookie = readCookie(request.headers.get("cookie"), STATE_COOKIE) ?? "";
      set.headers["set-cookie"] = clearedStateCookie();
      const session = sameSecret(state, cookie)
        ? await findOAuthSession(db, cipher, state, clock.now())
        : null;
      if (!session) {
        set.status = 400;
        return STATE_MISMATCH;
      }
      if (query.error !== undefined) {
        return MessagePage({
          ...chrome,
          title: "Your X account was not connected",
          lines: [
            "You cancelled on X, so nothing was connected and nothing will be posted.",
            "Changed your mind? Open the link from your text again within 15 minutes, or text us for a new one.",
          ],
        });
      }
      if (!query.code) {
        set.status = 400;
        return STATE_MISMATCH;
      }
      const outcome = await connectAccount(deps, session, query.code);
      switch (outcome.kind) {
        case "connected":
          return MessagePage({
            ...chrome,
            title: `Connected as @${outcome.handle}`,
            lines: ["Go back to your messages: text anything to post it to X. Text HELP for commands."],
          });
        case "link_used":
          set.status = 409;
          return LINK_GONE;
        case "refused":
          set.status = 400;
          return MessagePage({
            ...chrome,
            title: "X did not confirm the connection",
            lines: ["Please open the link from your text again and press Connect once more."],
          });
        case "unavailable":
          set.status = 502;
          return MessagePage({
            ...chrome,
            title: "X did not answer",
            lines: ["X seems to be having trouble. Please open the link from your text again in a minute."],
          });
      }
    })
    .get("/auth/:token", ({ params, set }) => {
      const link = TOKEN.test(params.token) ? findUsableLink(db, params.token, clock.now()) : undefined;
      if (!link) {
        set.status = 410;
        return LINK_GONE;
      }
      return AuthLinkPage({ ...chrome, maskedPhone: maskPhone(link.phone), action: `/auth/${params.token}` });
    })
    .post(
      "/auth/:token",
      async ({ params, request, set, redirect }) => {
        if (crossSite(request, ownOrigin)) {
          // Another site posting the button would start a consent that ties the visitor's X account
          // to someone else's number: only our own page may press it.
          set.status = 403;
          return MessagePage({
            ...chrome,
            title: "This link must be opened directly",
            lines: ["Open the link from your text message, then press Connect with X on that page."],
          });
        }
        const link = TOKEN.test(params.token) ? findUsableLink(db, params.token, clock.now()) : undefined;
        if (!link) {
          set.status = 410;
          return LINK_GONE;
        }
        const attempt = deps.x.authorizationRequest(deps.redirectUri);
        await startOAuthSession(db, cipher, { linkId: link.id, ...attempt }, clock.now());
        set.headers["set-cookie"] = stateCookie(attempt.state, OAUTH_SESSION_TTL_MS / 1000);
        return redirect(attempt.url, 303);
      },
      // The button posts no fields; whatever arrives is not read.
      { parse: "none" },
    );
}

/**
 * Browsers say where a form post comes from: Sec-Fetch-Site in current ones, Origin in most. Our pages
 * send no referrer, which makes Chromium's Origin "null" on our own form: that says nothing either way.
 */
function crossSite(request: Request, ownOrigin: string): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== "null" && origin !== ownOrigin) return true;
  const site = request.headers.get("sec-fetch-site");
  return site === "cross-site" || site === "same-site";
}

function sameSecret(a: string, b: string): boolean {
  if (a === "" || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
