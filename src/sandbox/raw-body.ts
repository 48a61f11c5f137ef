/**
 * A body sent verbatim, for faults that are not the service's JSON: a proxy's HTML page, a bare `OK`, nothing
 * at all. Without `contentType` no content-type is set here (Bun's server then picks its own default).
 */
export type RawBody = { body: string; contentType?: string };

export function rawResponse(status: number, raw: RawBody, headers: Record<string, string> = {}): Response {
  const all = new Headers(headers);
  if (raw.contentType !== undefined) all.set("content-type", raw.contentType);
  // A null body keeps the answer truly empty (no chunked framing), as an empty 2xx or a redirect would be.
  return new Response(raw.body === "" ? null : raw.body, { status, headers: all });
}
