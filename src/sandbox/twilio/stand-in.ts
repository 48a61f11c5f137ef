import { systemClock } from "../../clock";
import { hasValidBasicAuth } from "./auth";
import { methodNotAllowed, notFound, twilioErrorBody, unauthenticated } from "./errors";
import { CDN_PREFIX, MediaStore } from "./media";
import { createMessage } from "./messages";
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
  const authenticated = (request: Request): boolean => hasValidBasicAuth(request, accountSid, authToken);

  const standIn: TwilioStandIn = {
    accountSid,
    baseUrl: "",
    cdnUrl: null,
    delayMs: 0,
    requests,

    async handle(request) {
      const url = new URL(request.url);
      const path = withoutBasePath(url.pathname, standIn.baseUrl);
      requests.push({ method: request.method, path, hasAuthorization: request.headers.has("authorization") });
      const messages = MESSAGES.exec(path);
      if (messages !== null) return postMessage(request, messages[1] ?? "", path);
      if (MEDIA.test(path) && media.has(path)) {
        if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed();
        if (!authenticated(request)) return unauthenticated();
        const cdnOrigin = standIn.cdnUrl ?? (standIn.baseUrl || url.origin);
        return media.redirect(path, trimSlash(cdnOrigin)) ?? notFound(path);
      }
      if (path.startsWith(CDN_PREFIX)) return media.serve(path.slice(CDN_PREFIX.length)) ?? notFound(path);
      return notFound(path);
    },

    addMedia(bytes, contentType) {
      return trimSlash(standIn.baseUrl) + media.add(bytes, contentType);
    },
    messages: () => [...sent],
    messagesTo: (phone) => sent.filter((message) => message.to === phone),
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

  async function postMessage(request: Request, pathAccountSid: string, path: string): Promise<Response> {
    if (request.method !== "POST") return methodNotAllowed();
    if (standIn.delayMs > 0) await Bun.sleep(standIn.delayMs);
    const failure = injected.shift();
    if (failure !== undefined) return injectedResponse(failure);
    if (!authenticated(request)) return unauthenticated();
    if (pathAccountSid !== accountSid) return notFound(path);
    const form = new URLSearchParams(await request.text());
    return createMessage(form, {
      accountSid,
      now: clock.now(),
      isOptedOut: standIn.isOptedOut,
      record: (message) => void sent.push(message),
    });
  }

  return standIn;
}

function injectedResponse({ status, body, headers }: InjectedResponse): Response {
  const payload = body === undefined ? twilioErrorBody(status, 20500, "Injected failure") : body;
  if (typeof payload === "string") return new Response(payload, { status, headers });
  return Response.json(payload, { status, headers });
}

function withoutBasePath(pathname: string, baseUrl: string): string {
  if (baseUrl === "") return pathname;
  const basePath = trimSlash(new URL(baseUrl).pathname);
  return basePath !== "" && pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : pathname;
}

function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
