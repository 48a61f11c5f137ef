import { systemClock } from "../../clock";
import { rewriteJson } from "../contract/exchange";
import { ViolationLog } from "../contract/violations";
import { rawResponse } from "../raw-body";
import { hasValidBasicAuth } from "./auth";
import { checkAnswer, contractGuard, operationOf, refusal } from "./contract-guard";
import { methodNotAllowed, notFound, twilioErrorBody, unauthenticated } from "./errors";
import { twilioSid } from "./ids";
import { CDN_PREFIX, MediaStore } from "./media";
import { listMessages } from "./message-list";
import { createMessage } from "./messages";
import { StatusCallbacks } from "./status-callbacks";
import type {
  InjectedResponse,
  RecordedRequest,
  SentMessage,
  TwilioStandIn,
  TwilioStandInOptions,
} from "./types";

const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MEDIA = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/[^/]+\/Media\/[^/]+$/;

/** An HTTP-level stand-in of the parts of Twilio's REST API that smstweet uses. */
export function createTwilioStandIn(options: TwilioStandInOptions): TwilioStandIn {
  const { accountSid, authToken } = options;
  const clock = options.clock ?? systemClock;
  const sent: SentMessage[] = [];
  const requests: RecordedRequest[] = [];
  const optedOut = new Set<string>();
  const injected: InjectedResponse[] = [];
  const media = new MediaStore(accountSid);
  const callbacks = new StatusCallbacks(accountSid, authToken);
  const authenticated = (request: Request): boolean => hasValidBasicAuth(request, accountSid, authToken);
  const violations = new ViolationLog();
  const guard = contractGuard(options.validate ?? true, violations);
  // Faults a test injects on purpose are not Twilio's answers: they skip the schema.
  const injectedAnswers = new WeakSet<Response>();

  const standIn: TwilioStandIn = {
    accountSid,
    baseUrl: "",
    cdnUrl: null,
    callbacks,
    delayMs: 0,
    requests,

    async handle(request) {
      const url = new URL(request.url);
      const path = withoutBasePath(url.pathname, standIn.baseUrl);
      requests.push({
        method: request.method,
        path,
        query: url.search.slice(1),
        hasAuthorization: request.headers.has("authorization"),
      });
      const operation = operationOf(request.method, path);
      // Twilio authenticates first: an unauthenticated request gets its 401 whatever it carries.
      const refused =
        operation && authenticated(request) ? await refusal(request, path, operation, guard) : null;
      if (refused) return refused;
      const response = await route(request, url, path);
      if (operation && !injectedAnswers.has(response))
        await checkAnswer(request, path, operation, response, guard);
      return response;
    },

    takeViolations: () => violations.take(),

    addMedia(bytes, contentType) {
      return trimSlash(standIn.baseUrl) + media.add(bytes, contentType);
    },
    messages: () => [...sent],
    messagesTo: (phone) => sent.filter((message) => message.to === phone),
    receive(from, to, body) {
      const keyword = keywordOf(body);
      if (keyword === null) return;
      if (keyword === "opt_out") optedOut.add(from);
      if (keyword === "opt_in") optedOut.delete(from);
      // An opted-out sender asking for HELP gets nothing: Twilio answers keywords only to those it may text.
      if (keyword === "help" && optedOut.has(from)) return;
      sent.push({
        sid: twilioSid("SM"),
        to: from,
        from: to,
        messagingServiceSid: null,
        body: KEYWORD_REPLIES[keyword],
        mediaUrls: [],
        createdAt: clock.now(),
        statusCallback: null,
        automatic: true,
      });
    },
    optOut: (phone) => void optedOut.add(phone),
    optIn: (phone) => void optedOut.delete(phone),
    isOptedOut: (phone) => optedOut.has(phone),
    failNext(response, times = 1) {
      for (let i = 0; i < times; i++) injected.push(response);
    },
    recover() {
      injected.length = 0;
    },
  };

  function route(request: Request, url: URL, path: string): Promise<Response> | Response {
    const messages = MESSAGES.exec(path);
    if (messages !== null) return messagesEndpoint(request, messages[1] ?? "", path);
    if (MEDIA.test(path) && media.has(path)) {
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed();
      if (!authenticated(request)) return unauthenticated();
      const cdnOrigin = standIn.cdnUrl ?? (standIn.baseUrl || url.origin);
      return media.redirect(path, trimSlash(cdnOrigin)) ?? notFound(path);
    }
    if (path.startsWith(CDN_PREFIX)) return media.serve(path.slice(CDN_PREFIX.length)) ?? notFound(path);
    return notFound(path);
  }

  async function messagesEndpoint(request: Request, pathAccountSid: string, path: string): Promise<Response> {
    const endpoint = request.method === "POST" ? "create" : request.method === "GET" ? "list" : null;
    if (endpoint === null) return methodNotAllowed();
    if (standIn.delayMs > 0) await Bun.sleep(standIn.delayMs);
    const handle = (): Promise<Response> =>
      endpoint === "create" ? create(request, pathAccountSid, path) : list(request, pathAccountSid, path);
    const injection = takeInjection(endpoint);
    if (injection === undefined) return handle();
    if (injection.status === undefined) {
      const real = await handle();
      await hold(injection.delayMs);
      return injection.rewrite ? rewriteJson(real, injection.rewrite) : real;
    }
    if (injection.afterHandling === true) await handle();
    await hold(injection.delayMs);
    const answer = injectedResponse(injection, injection.status);
    injectedAnswers.add(answer);
    return answer;
  }

  function takeInjection(endpoint: "create" | "list"): InjectedResponse | undefined {
    const index = injected.findIndex((entry) => (entry.endpoint ?? "create") === endpoint);
    return index < 0 ? undefined : injected.splice(index, 1)[0];
  }

  async function create(request: Request, pathAccountSid: string, path: string): Promise<Response> {
    if (!authenticated(request)) return unauthenticated();
    if (pathAccountSid !== accountSid) return notFound(path);
    const form = new URLSearchParams(await request.text());
    return createMessage(form, {
      accountSid,
      now: clock.now(),
      isOptedOut: standIn.isOptedOut,
      record: (message) => {
        sent.push(message);
        callbacks.schedule(message);
      },
    });
  }

  async function list(request: Request, pathAccountSid: string, path: string): Promise<Response> {
    if (!authenticated(request)) return unauthenticated();
    if (pathAccountSid !== accountSid) return notFound(path);
    return listMessages(new URL(request.url).searchParams, sent, accountSid);
  }

  return standIn;
}

/*
 * Twilio's default keyword handling on long codes ("Twilio support for opt-out keywords (SMS STOP filtering)",
 * support.twilio.com article 223134027): only a message that is exactly one keyword triggers it ("STOP PLEASE"
 * does not), and Twilio answers it itself with these standard replies.
 */
const KEYWORDS: Record<string, "opt_out" | "opt_in" | "help"> = {
  STOP: "opt_out",
  STOPALL: "opt_out",
  UNSUBSCRIBE: "opt_out",
  CANCEL: "opt_out",
  END: "opt_out",
  QUIT: "opt_out",
  REVOKE: "opt_out",
  OPTOUT: "opt_out",
  START: "opt_in",
  YES: "opt_in",
  UNSTOP: "opt_in",
  HELP: "help",
  INFO: "help",
};

const KEYWORD_REPLIES = {
  opt_out:
    "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.",
  opt_in:
    "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
  help: "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
} as const;

function keywordOf(body: string): keyof typeof KEYWORD_REPLIES | null {
  return KEYWORDS[body.trim().toUpperCase()] ?? null;
}

function injectedResponse({ body, raw, headers }: InjectedResponse, status: number): Response {
  if (raw !== undefined) return rawResponse(status, raw, headers);
  if (body === undefined && (status === 204 || (status >= 300 && status < 400))) {
    return new Response(null, { status, headers });
  }
  const payload = body === undefined ? twilioErrorBody(status, 20500, "Injected failure") : body;
  if (typeof payload === "string") return new Response(payload, { status, headers });
  return Response.json(payload, { status, headers });
}

async function hold(delayMs: number | undefined): Promise<void> {
  if (delayMs !== undefined && delayMs > 0) await Bun.sleep(delayMs);
}

function withoutBasePath(pathname: string, baseUrl: string): string {
  if (baseUrl === "") return pathname;
  const basePath = trimSlash(new URL(baseUrl).pathname);
  return basePath !== "" && pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : pathname;
}

function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
