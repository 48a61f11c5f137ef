/**
 * A 2xx from Twilio whose body is not a JSON object (an HTML page, `OK`, nothing): Twilio acted on the request
 * but its answer cannot be read. Thrown from the HTTP client so that it reaches `send` through twilio-node,
 * which would otherwise fail with a bare SyntaxError from its own `JSON.parse`.
 */
export class UnreadableTwilioAnswer extends Error {
  override name = "UnreadableTwilioAnswer";

  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

/** Throws UnreadableTwilioAnswer for a 2xx without a JSON object; other statuses are twilio-node's to judge. */
export function checkReadable(response: { statusCode: number; body: unknown; headers: unknown }): void {
  const { statusCode, body } = response;
  if (statusCode < 200 || statusCode >= 300) return;
  // axios has already parsed any JSON; what is left as a string is not JSON.
  if (body !== null && typeof body === "object" && !Array.isArray(body)) return;
  throw new UnreadableTwilioAnswer(statusCode, `Twilio answered ${statusCode} with ${describe(response)}`);
}

function describe({ body, headers }: { body: unknown; headers: unknown }): string {
  if (body === undefined || body === null || body === "") return "an empty body";
  const type = (headers as Record<string, unknown> | null)?.["content-type"];
  return typeof body === "string"
    ? `unreadable ${typeof type === "string" ? type.split(";")[0] : "untyped"} content`
    : "JSON that is not an object";
}

/** A message sid as Twilio writes them (SM… for texts, MM… for MMS), or null for anything else. */
export function messageSid(value: unknown): string | null {
  return typeof value === "string" && /^(SM|MM)[0-9a-f]{32}$/.test(value) ? value : null;
}
