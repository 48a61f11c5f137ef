import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import { authController } from "./auth/routes";
import type { Clock } from "./clock";
import type { Config } from "./config";
import type { Cipher } from "./crypto/cipher";
import type { Database } from "./db/client";
import { InboxWriter } from "./db/inbound";
import type { Delivery } from "./delivery";
import { MAX_BODY_BYTES } from "./http/body";
import { DEFAULT_DEADLINES, type HttpDeadlines } from "./http/deadlines";
import { HttpError } from "./http/errors";
import { securityHeaders } from "./http/security-headers";
import type { Logger } from "./log";
import { createHealth, type HealthThresholds } from "./ops/health";
import { Metrics } from "./ops/metrics";
import { metricsController } from "./ops/metrics-routes";
import { statusController } from "./sms/status-webhook";
import { webhookController } from "./sms/webhook";
import { LandingPage, MessagePage } from "./web/pages";
import { staticController } from "./web/static";
import type { XGateway } from "./x/gateway";

export type AppDeps = {
  config: Config;
  db: Database;
  clock: Clock;
  x: XGateway;
  cipher: Cipher;
  logger: Logger;
  delivery: Pick<Delivery, "wake">;
  /** The registry /metrics reads; one over `db` unless the entry shares it with the delivery thread's reports. */
  metrics?: Metrics;
  /** How long a client may take; production's defaults unless a test shortens them. */
  deadlines?: Partial<HttpDeadlines>;
  /** When /healthz calls the service unhealthy; production's thresholds unless a test shortens them. */
  healthThresholds?: Partial<HealthThresholds>;
  /** True once the process has been told to stop: `/healthz?ready` says 503 while it still serves. */
  draining?: () => boolean;
};

/** All a worker answers on PORT (spec: Decisions → Roles): the webhooks and pages belong to web replicas. */
const WORKER_PATHS: ReadonlySet<string> = new Set(["/healthz", "/metrics"]);

/**
 * Builds the HTTP app from its dependencies; both entries and the tests come through here. It knows no
 * sandbox: the sandbox's entry adds its own routes to what this returns.
 */
// Elysia apps keep their inferred type: it carries every route.
export function createApp(deps: AppDeps) {
  const { config, logger } = deps;
  const headers = securityHeaders(config);
  const chrome = { sandbox: config.mode === "sandbox" };
  const notFound = MessagePage({ ...chrome, title: "Page not found", lines: ["There is nothing here."] });
  const deadlines = { ...DEFAULT_DEADLINES, ...deps.deadlines };
  const metrics = deps.metrics ?? new Metrics(deps.db, deps.clock);
  const health = createHealth({
    db: deps.db,
    clock: deps.clock,
    thresholds: deps.healthThresholds,
    // A web replica has no delivery in it: whether the queue moves is the workers' health, not its own.
    watchQueue: config.role !== "web",
    ...(deps.draining ? { draining: deps.draining } : {}),
  });
  return new Elysia({
    serve: { maxRequestBodySize: MAX_BODY_BYTES, idleTimeout: deadlines.idleSeconds },
  })
    .use(html({ autoDetect: true }))
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, headers);
      if (config.role === "worker" && !WORKER_PATHS.has(new URL(request.url).pathname)) {
        set.status = 404;
        set.headers["content-type"] = "text/html; charset=utf-8";
        return notFound;
      }
    })
    .onError(({ code, error, set }) => {
      Object.assign(set.headers, headers);
      if (error instanceof HttpError) {
        Object.assign(set.headers, error.headers);
        set.status = error.status;
        return error.message;
      }
      if (code === "NOT_FOUND") {
        set.status = 404;
        set.headers["content-type"] = "text/html; charset=utf-8";
        return notFound;
      }
      if (code === "PARSE" || code === "VALIDATION" || code === "INVALID_COOKIE_SIGNATURE") {
        set.status = 400;
        return "Bad request";
      }
      logger.error("http.unhandled", { code: String(code), error: String(error) });
      set.status = 500;
      return "Internal error";
    })
    .use(staticController())
    .get("/", () =>
      LandingPage({
        ...chrome,
        phoneNumber: "phoneNumber" in config.twilio.sender ? config.twilio.sender.phoneNumber : null,
        retentionDays: config.retentionDays,
      }),
    )
    .get("/healthz", async ({ query, set }) => {
      const report = "ready" in query ? await health.ready() : await health.check();
      set.status = report.ok ? 200 : 503;
      return report.ok ? "ok" : report.reason;
    })
    .use(
      webhookController({
        inbox: new InboxWriter(
          deps.db,
          () => deps.clock.now(),
          () => deps.delivery.wake(),
        ),
        logger,
        publicUrl: config.publicUrl,
        twilio: config.twilio,
        bodyDeadlineMs: deadlines.bodyMs,
        answered: metrics.webhookAnswered,
      }),
    )
    .use(metricsController({ metrics, token: config.metricsToken }))
    .use(
      statusController({
        db: deps.db,
        clock: deps.clock,
        logger,
        publicUrl: config.publicUrl,
        twilio: config.twilio,
        bodyDeadlineMs: deadlines.bodyMs,
      }),
    )
    .use(
      authController({
        db: deps.db,
        x: deps.x,
        cipher: deps.cipher,
        clock: deps.clock,
        logger,
        redirectUri: `${config.publicUrl}/auth/callback`,
        wake: () => deps.delivery.wake(),
        bodyDeadlineMs: deadlines.bodyMs,
        ...chrome,
      }),
    );
}
