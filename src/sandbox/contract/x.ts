import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readMultipart } from "../x/multipart";
import { mediaTypeOf, parseJson, type ReadBody, readAnswer } from "./exchange";
import { Contract, type OpenApiDocument, type Operation, type SchemaProblem } from "./openapi";

let contract: Contract | null = null;

/** X API v2 as its OpenAPI document (2.167) describes the operations smstweet calls. */
export function xContract(): Contract {
  contract ??= new Contract(
    JSON.parse(readFileSync(join(import.meta.dir, "x-api.json"), "utf8")) as OpenApiDocument,
    // X answers an undocumented query parameter with 400, and still takes the tweet-era field names.
    { strictQuery: true, queryAliases: { "tweet.fields": "post.fields" } },
  );
  return contract;
}

/**
 * What X answers on errors in practice: an RFC 7807 problem (`about:blank`, or `errors[]` for invalid
 * requests). The document's `Error`/`Problem` schemas describe only some of these, so either passes.
 */
const X_ERROR_ANSWER = {
  type: "object",
  required: ["title", "type"],
  properties: {
    title: { type: "string" },
    type: { type: "string" },
    detail: { type: "string" },
    status: { type: "integer" },
    errors: {
      type: "array",
      minItems: 1,
      items: { type: "object", required: ["message"], properties: { message: { type: "string" } } },
    },
  },
};

export async function checkXRequest(operation: Operation, request: Request): Promise<SchemaProblem[]> {
  const read = await readXRequest(request);
  if (!read.ok) return [read.problem];
  const query = new URL(request.url).searchParams;
  const problems = xContract().checkRequest(operation, { query, ...read });
  const body = read.body as Record<string, unknown> | undefined;
  // The document's description of `text`: "the backend's `tweet_text` variable is non-null and rejects an
  // absent value", so a picture-only post still sends `"text": ""`.
  if (operation.id === "createPosts" && body && typeof body === "object" && !("text" in body)) {
    problems.push({ parameter: "text", message: "text is required (send an empty string with media)." });
  }
  return problems;
}

export async function checkXAnswer(operation: Operation, response: Response): Promise<SchemaProblem[]> {
  const read = await readAnswer(response);
  if (!read.ok) return [read.problem];
  const problems = xContract().checkResponse(operation, response.status, read.contentType, read.body);
  if (problems.length === 0 || response.status < 400) return problems;
  const observed = xContract().check("x-error", X_ERROR_ANSWER, read.body);
  return observed.length === 0 ? [] : problems;
}

async function readXRequest(request: Request): Promise<ReadBody> {
  const contentType = mediaTypeOf(request.headers);
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  if (bytes.length === 0) return { ok: true, contentType, body: undefined };
  if (contentType !== "multipart/form-data") return parseJson(new TextDecoder().decode(bytes), contentType);
  const form = readMultipart(bytes, request.headers.get("content-type") ?? "");
  if (!form)
    return { ok: false, problem: { parameter: "body", message: "The multipart body is malformed." } };
  // Binary parts stand in as a string: the schema's `format: binary` only asks that the part be there.
  const fields = [...form].map(([name, value]) => [name, name === "media" ? "binary" : decode(value)]);
  return { ok: true, contentType, body: Object.fromEntries(fields) };
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
