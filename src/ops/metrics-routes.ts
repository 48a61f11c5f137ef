import { Elysia, NotFoundError } from "elysia";
import type { Metrics } from "./metrics";
import { mayReadMetrics } from "./metrics-access";

export type MetricsControllerDeps = { metrics: Metrics; token: string | undefined };

/** GET /metrics: Prometheus' text format, for the private networks or the bearer token; a 404 to others. */
// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function metricsController(deps: MetricsControllerDeps) {
  return new Elysia({ name: "metrics" }).get("/metrics", async ({ request, server, set }) => {
    const allowed = mayReadMetrics(
      {
        peer: server?.requestIP(request)?.address,
        forwardedFor: request.headers.get("x-forwarded-for"),
        authorization: request.headers.get("authorization"),
      },
      deps.token,
    );
    // Refused as if absent: a scanner learns nothing (spec: Metrics).
    if (!allowed) throw new NotFoundError();
    const { body, contentType } = await deps.metrics.scrape();
    set.headers["content-type"] = contentType;
    set.headers["cache-control"] = "no-store";
    return body;
  });
}
