/** Response and request helpers in the formats X itself uses. */

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** X's v2 errors are RFC 7807 problem documents. */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  return new Response(JSON.stringify({ title, type: "about:blank", status, detail, ...extra }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

export function unauthorized(): Response {
  return problem(401, "Unauthorized", "Unauthorized");
}

export function forbidden(detail: string): Response {
  return problem(403, "Forbidden", detail);
}

/** X's shape for a request whose parameters fail validation. */
export function invalidRequest(message: string, parameters: Record<string, string[]> = {}): Response {
  return json(
    {
      errors: [{ parameters, message }],
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.x.com/2/problems/invalid-request",
    },
    400,
  );
}

/** The OAuth endpoints answer RFC 6749 errors, not problem documents. */
export function oauthError(status: number, error: string, description: string): Response {
  return json({ error, error_description: description }, status);
}

/** X's docs send forms; twitter-api-v2 sends JSON to the same endpoints. Both must work. */
export async function readParams(request: Request): Promise<Map<string, string>> {
  const type = request.headers.get("content-type") ?? "";
  const text = await request.text();
  const params = new Map<string, string>();
  if (type.includes("application/json")) {
    const parsed = parseJson(text);
    if (parsed && typeof parsed === "object") {
      for (const [key, value] of Object.entries(parsed)) {
        if (typeof value === "string" || typeof value === "number") params.set(key, String(value));
      }
    }
    return params;
  }
  for (const [key, value] of new URLSearchParams(text)) params.set(key, value);
  return params;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return null;
  }
}

export async function readJsonObject(request: Request): Promise<Record<string, unknown> | null> {
  try {
    const parsed: unknown = await request.json();
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export function bearerToken(request: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

export function basicCredentials(request: Request): { id: string; secret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    // RFC 6749 §2.3.1: both halves are form-urlencoded before joining (twitter-api-v2 does this).
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return null;
  }
}
