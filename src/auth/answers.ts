import { timeFor } from "../sms/local-time";
import type { PageChrome } from "../web/layout";
import { MessagePage } from "../web/pages";
import type { CallbackFailure, CallbackOutcome, Retry } from "./callback";
import type { StartOutcome } from "./start";

/** Every auth outcome that is not the link's own page, as the browser gets it: one place for the mapping. */
export type AuthAnswer = { status: number; page: JSX.Element };

type Words = { title: string; lines: readonly string[] };

// Never "text anything": for someone already connected, that text would be posted in public.
const ASK_STATUS =
  "Text STATUS to the service's number to check your connection; if you are not connected, its reply says how to get a new link.";

const LINK_GONE: Words = {
  title: "This link no longer works",
  lines: ["Links work once, for 15 minutes.", ASK_STATUS],
};

const WRONG_BROWSER: Words = {
  // Also what a reload or the back button shows after connecting: say what is true for both.
  title: "This sign-in is finished, or was started elsewhere",
  lines: [
    "Text STATUS to the service's number to check whether your X account is connected.",
    "Not connected? Open the link from your text message again, in the browser you started in, within 15 minutes.",
  ],
};

const NOT_OUR_PAGE: Words = {
  title: "Open the link from your text message",
  lines: [
    "This button only works on the page your link opens, and this press came from somewhere else.",
    "Open the link from your text message in your phone's browser and press Connect with X there.",
    ASK_STATUS,
  ],
};

const FAILURES: Record<CallbackFailure, { status: number; title: string; what: string }> = {
  link_used: {
    status: 409,
    title: "This link was already used",
    what: "Your number was connected in another browser, or a newer link replaced this one. Nothing from this browser was kept.",
  },
  x_refused: {
    status: 400,
    title: "X did not confirm the connection",
    what: "X did not accept this sign-in (it may have taken too long), so it connected nothing.",
  },
  x_unavailable: {
    status: 502,
    title: "X is having trouble",
    what: "X did not answer as it should (it may be busy), so nothing was connected. Wait a few minutes before trying again.",
  },
  x_misconfigured: {
    status: 502,
    title: "X would not connect this service",
    what: "X refused the service's request, so nothing was connected. Its operator needs to fix its X settings; please try again later.",
  },
  not_saved: {
    status: 503,
    title: "Your connection could not be saved",
    what: "Something went wrong on our side, so nothing was connected.",
  },
};

export function startAnswer(
  outcome: Exclude<StartOutcome, { kind: "consent" }>,
  chrome: PageChrome,
): AuthAnswer {
  return outcome.kind === "refused" ? answer(403, NOT_OUR_PAGE, chrome) : linkGoneAnswer(chrome);
}

export function linkGoneAnswer(chrome: PageChrome): AuthAnswer {
  return answer(410, LINK_GONE, chrome);
}

export function callbackAnswer(outcome: CallbackOutcome, chrome: PageChrome): AuthAnswer {
  switch (outcome.kind) {
    case "connected":
      return answer(
        200,
        {
          title: `Connected as @${outcome.handle}`,
          lines: ["Go back to your messages: text anything to post it to X. Text HELP for commands."],
        },
        chrome,
      );
    case "wrong_browser":
      return answer(400, WRONG_BROWSER, chrome);
    case "cancelled":
      return answer(
        200,
        {
          title: "Your X account was not connected",
          lines: [
            "You cancelled on X, so nothing was connected and nothing will be posted.",
            tryAgain(outcome.retry),
          ],
        },
        chrome,
      );
    case "failed": {
      const failure = FAILURES[outcome.cause];
      const next = outcome.cause === "link_used" ? ASK_STATUS : tryAgain(outcome.retry);
      return answer(failure.status, { title: failure.title, lines: [failure.what, next] }, chrome);
    }
  }
}

/** A one-time link stays usable after a failure that was not the texter's doing: say until when. */
function tryAgain(retry: Retry): string {
  if (retry === null) return `Your link has run out. ${ASK_STATUS}`;
  return `To try again, open the link from your text message and press Connect with X; it works until ${timeFor(retry.phone, retry.until)}.`;
}

function answer(status: number, words: Words, chrome: PageChrome): AuthAnswer {
  return { status, page: MessagePage({ ...chrome, title: words.title, lines: words.lines }) };
}
