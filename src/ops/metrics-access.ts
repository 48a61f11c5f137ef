import { timingSafeEqual } from "node:crypto";
import { BlockList, isIPv4 } from "node:net";

/** Loopback and the private ranges a compose network or a LAN scraper comes from (spec: Metrics). */
const PRIVATE = new BlockList();
for (const [subnet, prefix] of [
  ["127.0.0.0", 8],
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE.addSubnet(subnet, prefix, "ipv4");
}
PRIVATE.addAddress("::1", "ipv6");
PRIVATE.addSubnet("fc00::", 7, "ipv6");

export type MetricsRequest = {
  /** The socket's peer, as the server saw it; undefined when unknown. */
  peer: string | undefined;
  forwardedFor: string | null;
  authorization: string | null;
};

/**
 * Who may read /metrics. A proxy in front (Caddy) connects from a private address, so any request it
 * forwarded (it carries X-Forwarded-For) counts as external; outside, only the bearer token admits.
 */
export function mayReadMetrics(request: MetricsRequest, token: string | undefined): boolean {
  if (
    token !== undefined &&
    request.authorization !== null &&
    sameText(request.authorization, `Bearer ${token}`)
  )
    return true;
  if (request.forwardedFor !== null || request.peer === undefined) return false;
  return PRIVATE.check(request.peer, isIPv4(request.peer) ? "ipv4" : "ipv6");
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
