import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";
import type { Clock } from "../clock";
import type { Logger } from "../log";
import { awaitingReply, conversation, freshNumber, normalizePhone } from "./conversation";
import { ConversationList, PhonePage } from "./phone-page";
import { samplePicture } from "./sample-pictures";
import type { Sandbox } from "./sandbox";
import { SANDBOX_SCRIPT, SANDBOX_TWILIO_PATH, SANDBOX_X_PATH } from "./settings";
import { timelines } from "./timeline";
import { TimelinePage } from "./timeline-page";

export type SandboxDeps = { sandbox: Sandbox; clock: Clock; logger: Logger };

const MAX_TEXT = 1600;

const SCRIPT = readFileSync(join(import.meta.dir, "sandbox-script.js"), "utf8");

/**
 * Everything under /sandbox: the stand-ins of X and Twilio that the real clients call (the app calls
 * itself), the phone simulator, and the fake X timeline. `createApp` mounts it only in sandbox mode.
 */
// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function sandboxController(deps: SandboxDeps) {
  const { sandbox, clock } = deps;
  const page = (input: { phone: string | null; typed: string; error?: string; draft?: string }) => {
    const bubbles = input.phone ? conversation(sandbox, input.phone) : [];
    return PhonePage({
      ...input,
      serviceNumber: sandbox.serviceNumber,
      knownPhones: sandbox.phones(),
      bubbles,
      waiting: input.error === undefined && awaitingReply(bubbles, clock.now()),
    });
  };
  return (
    new Elysia({ name: "sandbox" })
      // The sandbox pages may load their one script (progressive enhancement); production pages load none.
      .onAfterHandle(({ set }) => {
        const csp = set.headers["content-security-policy"];
        if (typeof csp === "string" && !csp.includes("script-src")) {
          set.headers["content-security-policy"] = `${csp}; script-src 'self'; connect-src 'self'`;
        }
      })
      .get(SANDBOX_SCRIPT, ({ set }) => {
        set.headers["content-type"] = "text/javascript; charset=utf-8";
        return SCRIPT;
      })
      .get("/sandbox/conversation", ({ query, set }) => {
        set.headers["cache-control"] = "no-store";
        const phone = typeof query.phone === "string" ? normalizePhone(query.phone) : null;
        if (phone === null) {
          set.status = 400;
          return "Not a phone number in international form";
        }
        const bubbles = conversation(sandbox, phone);
        return ConversationList({ phone, bubbles, waiting: awaitingReply(bubbles, clock.now()) });
      })
      // The stand-ins read the raw request themselves (signatures, multipart): Elysia must not parse it.
      .all(`${SANDBOX_X_PATH}/*`, ({ request }) => sandbox.x.handle(request), { parse: "none" })
      .all(`${SANDBOX_TWILIO_PATH}/*`, ({ request }) => sandbox.twilio.handle(request), { parse: "none" })
      .get("/sandbox", ({ query, set }) => {
        set.headers["cache-control"] = "no-store";
        const typed = typeof query.phone === "string" ? query.phone : "";
        if (typed.trim() === "") return page({ phone: null, typed: freshNumber(sandbox.phones()) });
        const phone = normalizePhone(typed);
        if (phone === null) {
          set.status = 400;
          return page({
            phone: null,
            typed,
            error: `"${typed}" is not a phone number in international form.`,
          });
        }
        return page({ phone, typed: phone });
      })
      .post("/sandbox/text", async ({ body, set, redirect }) => {
        const form = (body ?? {}) as Record<string, unknown>;
        const typed = typeof form.phone === "string" ? form.phone : "";
        const text = typeof form.body === "string" ? form.body : "";
        const picture = typeof form.picture === "string" ? samplePicture(form.picture) : undefined;
        const phone = normalizePhone(typed);
        const problem =
          phone === null
            ? `"${typed}" is not a phone number in international form.`
            : text.trim() === "" && !picture
              ? "Type a message or pick a picture first."
              : text.length > MAX_TEXT
                ? `Texts can be at most ${MAX_TEXT} characters.`
                : null;
        if (phone === null || problem !== null) {
          set.status = 400;
          return page({ phone, typed, error: problem ?? "", draft: text });
        }
        const answer = await sandbox.text(phone, text, picture ? [picture] : []);
        if (!answer.ok) {
          deps.logger.warn("sandbox.text_refused", { status: answer.status });
          set.status = 502;
          const reason = await answer.text();
          return page({ phone, typed, error: `The service refused the text: ${reason}`, draft: text });
        }
        return redirect(`/sandbox?phone=${encodeURIComponent(phone)}`, 303);
      })
      .get("/sandbox/timeline", ({ set }) => {
        set.headers["cache-control"] = "no-store";
        return TimelinePage({ accounts: timelines(sandbox.x) });
      })
      .get("/sandbox/media/:id", ({ params, set }) => {
        const media = sandbox.x.media().find((item) => item.id === params.id && item.finalized);
        if (!media) {
          set.status = 404;
          return "No such picture";
        }
        return new Response(new Uint8Array(media.bytes), { headers: { "content-type": media.mimeType } });
      })
  );
}
