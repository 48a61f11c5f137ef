import type { SchemaProblem } from "./openapi";

/** A body read for checking: the parsed value (undefined when empty), or why it cannot be read. */
export type ReadBody =
  | { ok: true; contentType: string; body: unknown }
  | { ok: false; problem: SchemaProblem };

export function mediaTypeOf(headers: Headers): string {
  return (headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** An answer's body as the client would parse it; read from a clone so the answer itself still flows. */
export async function readAnswer(response: Response): Promise<ReadBody> {
  const contentType = mediaTypeOf(response.headers);
  const text = await response.clone().text();
  if (text === "") return { ok: true, contentType, body: undefined };
  return parseJson(text, contentType);
}

export function parseJson(text: string, contentType: string): ReadBody {
  try {
    return { ok: true, contentType, body: JSON.parse(text) };
  } catch {
    return { ok: false, problem: { parameter: "body", message: "The body is not JSON." } };
  }
}

/** The same answer with its JSON body passed through `rewrite`: a stand-in answering wrongly, on purpose. */
export async function rewriteJson(
  response: Response,
  rewrite: (body: unknown) => unknown,
): Promise<Response> {
  const body = rewrite(await response.json());
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
}
