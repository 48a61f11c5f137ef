import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mediaTypeOf, readAnswer } from "./exchange";
import { Contract, type OpenApiDocument, type Operation, type SchemaProblem } from "./openapi";

let contract: Contract | null = null;

const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Twilio's REST API 2010-04-01 as its OpenAPI document describes the Messages operations smstweet calls. */
export function twilioContract(): Contract {
  contract ??= new Contract(
    JSON.parse(readFileSync(join(import.meta.dir, "twilio-api.json"), "utf8")) as OpenApiDocument,
    {
      formats: {
        // Twilio's own formats. Its resource URIs (`uri`, `first_page_uri`) are paths, not absolute URIs.
        uri: /^\S+$/,
        "uri-map": true,
        "phone-number": /^\S+$/,
        currency: /^[A-Z]{3}$/,
        "date-time-rfc-2822": RFC_2822,
        // The list filters (`DateSent>`) also take a GMT day, as the document's own examples show
        // (`DateSent>=2008-01-02`), and Twilio's own RFC 2822 dates.
        "date-time": (value: string) => ISO_DATE_TIME.test(value) || RFC_2822.test(value),
      },
    },
  );
  return contract;
}

/**
 * Twilio's error body (`RestException` in twilio-node): the document leaves error answers out, but every
 * client reads these four fields.
 */
const TWILIO_ERROR_ANSWER = {
  type: "object",
  required: ["code", "message", "more_info", "status"],
  properties: {
    code: { type: "integer" },
    message: { type: "string" },
    more_info: { type: "string" },
    status: { type: "integer" },
  },
};

export async function checkTwilioRequest(operation: Operation, request: Request): Promise<SchemaProblem[]> {
  const contentType = mediaTypeOf(request.headers);
  const text = await request.clone().text();
  const form = new URLSearchParams(text);
  // Form fields arrive as strings, one per repeat (`MediaUrl`): the contract coerces them to the schema's types.
  const body =
    text === ""
      ? undefined
      : Object.fromEntries(
          [...new Set(form.keys())].map((name) => {
            const values = form.getAll(name);
            return [name, values.length > 1 ? values : values[0]];
          }),
        );
  const query = new URL(request.url).searchParams;
  return twilioContract().checkRequest(operation, { query, contentType, body });
}

export async function checkTwilioAnswer(operation: Operation, response: Response): Promise<SchemaProblem[]> {
  const read = await readAnswer(response);
  if (!read.ok) return [read.problem];
  if (response.status >= 400) return twilioContract().check("twilio-error", TWILIO_ERROR_ANSWER, read.body);
  return twilioContract().checkResponse(operation, response.status, read.contentType, read.body);
}
