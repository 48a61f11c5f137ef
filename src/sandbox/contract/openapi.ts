import Ajv, { type Options, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { describe } from "./ajv-errors";
import { compileTemplate } from "./path-templates";

/** A trimmed OpenAPI 3.0 document, as `extract.ts` writes it. */
export type OpenApiDocument = { paths: Record<string, Record<string, unknown>>; [key: string]: unknown };

/** One place a request or an answer departs from the document: `parameter` is X's name for it (`media.media_ids`). */
export type SchemaProblem = { parameter: string; message: string };

export type Operation = {
  id: string;
  method: string;
  template: string;
  pathParams: Record<string, string>;
  /** OAuth 2.0 user-context scopes the operation needs, from its `security`; null when it names none. */
  scopes: string[] | null;
};

export type RequestParts = {
  query: URLSearchParams;
  /** Without parameters: `application/json`, `multipart/form-data`. */
  contentType: string;
  /** The parsed body; undefined when none was sent. */
  body: unknown;
};

type Parameter = { name: string; in: string; required?: boolean; schema?: unknown; explode?: boolean };
type MediaTypes = Record<string, { schema?: unknown }>;
type OperationObject = {
  operationId?: string;
  parameters?: unknown[];
  requestBody?: { required?: boolean; content?: MediaTypes };
  responses?: Record<string, { content?: MediaTypes }>;
  security?: Record<string, string[]>[];
};

export type ContractOptions = {
  /** Extra formats the vendor uses (Twilio's `phone-number`); `true` accepts any string. */
  formats?: Record<string, RegExp | ((value: string) => boolean) | true>;
  /** Query parameters the vendor refuses when undocumented (X does; Twilio ignores them). */
  strictQuery?: boolean;
  /** Older parameter names the vendor still answers to: alias → documented name. */
  queryAliases?: Record<string, string>;
};

const ID = "contract";
const METHODS = ["get", "post", "put", "patch", "delete"];

/**
 * Request and response checks for the operations of one OpenAPI document: each validator is compiled once,
 * on first use. Form and query values arrive as strings, so those are checked with type coercion.
 */
export class Contract {
  readonly #document: OpenApiDocument;
  readonly #options: ContractOptions;
  readonly #strict: Ajv;
  readonly #coercing: Ajv;
  readonly #cache = new Map<string, ValidateFunction>();
  readonly #routes: { method: string; template: string; pattern: RegExp; names: string[] }[];

  constructor(document: OpenApiDocument, options: ContractOptions = {}) {
    this.#document = document;
    this.#options = options;
    this.#strict = this.#ajv({});
    this.#coercing = this.#ajv({ coerceTypes: "array" });
    this.#routes = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.includes(method))
        .map((method) => ({ method, template, ...compileTemplate(template) })),
    );
  }

  /**
   * Compiles every validator now. The largest (X's timeline, with every expansion) takes about half a second:
   * paid when a stand-in is created, not in the middle of the first request that needs it.
   */
  warm(): this {
    for (const route of this.#routes) {
      const { requestBody, responses = {} } = this.#operation(route.template, route.method);
      const operation = {
        id: "",
        method: route.method,
        template: route.template,
        pathParams: {},
        scopes: null,
      };
      this.#checkParams(operation, "path", new URLSearchParams());
      this.#checkParams(operation, "query", new URLSearchParams());
      const base = ["paths", route.template, route.method];
      for (const type of Object.keys(requestBody?.content ?? {})) {
        this.#validator([...base, "requestBody", "content", type, "schema"], type !== "application/json");
      }
      for (const [status, response] of Object.entries(responses)) {
        for (const type of Object.keys(response.content ?? {})) {
          this.#validator([...base, "responses", status, "content", type, "schema"], false);
        }
      }
    }
    return this;
  }

  find(method: string, path: string): Operation | null {
    const wanted = method.toLowerCase();
    for (const route of this.#routes) {
      if (route.method !== wanted) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      const operation = this.#operation(route.template, route.method);
      const pathParams = Object.fromEntries(route.names.map((name, i) => [name, match[i + 1] ?? ""]));
      const oauth = operation.security?.find((entry) => "OAuth2UserToken" in entry)?.OAuth2UserToken;
      return {
        id: operation.operationId ?? `${route.method} ${route.template}`,
        method: route.method,
        template: route.template,
        pathParams,
        scopes: oauth ?? null,
      };
    }
    return null;
  }

  checkRequest(operation: Operation, request: RequestParts): SchemaProblem[] {
    const problems = [
      ...this.#checkParams(operation, "path", new URLSearchParams(operation.pathParams)),
      ...this.#checkParams(operation, "query", request.query),
    ];
    const { requestBody } = this.#operation(operation.template, operation.method);
    if (requestBody === undefined) return problems;
    if (request.body === undefined) {
      if (requestBody.required) problems.push({ parameter: "body", message: "A request body is required." });
      return problems;
    }
    const pointer = ["paths", operation.template, operation.method, "requestBody", "content"];
    if (!requestBody.content?.[request.contentType]) {
      const allowed = Object.keys(requestBody.content ?? {}).join(", ");
      problems.push({ parameter: "body", message: `Content-Type ${request.contentType} is not ${allowed}.` });
      return problems;
    }
    const form = request.contentType !== "application/json";
    const validate = this.#validator([...pointer, request.contentType, "schema"], form);
    return [...problems, ...this.#run(validate, request.body)];
  }

  /** The documented answer for `status` (exact, then `4XX`, then `default`), checked against the body sent. */
  checkResponse(operation: Operation, status: number, contentType: string, body: unknown): SchemaProblem[] {
    const { responses = {} } = this.#operation(operation.template, operation.method);
    const key = [String(status), `${String(status)[0]}XX`, "default"].find((k) => responses[k] !== undefined);
    if (key === undefined) return [{ parameter: "status", message: `Status ${status} is not documented.` }];
    const content = responses[key]?.content;
    if (content === undefined) {
      return body === undefined ? [] : [{ parameter: "body", message: `Status ${status} has no body.` }];
    }
    if (content[contentType] === undefined) {
      const allowed = Object.keys(content).join(", ");
      return [{ parameter: "content-type", message: `${contentType || "none"} is not ${allowed}.` }];
    }
    const pointer = ["paths", operation.template, operation.method, "responses", key, "content", contentType];
    return this.#run(this.#validator([...pointer, "schema"], false), body);
  }

  /** Checks `value` against an extra schema of our own (e.g. an error shape the vendor answers with). */
  check(name: string, schema: object, value: unknown): SchemaProblem[] {
    const cached = this.#cache.get(`extra ${name}`);
    const validate = cached ?? this.#strict.compile(schema);
    this.#cache.set(`extra ${name}`, validate);
    return this.#run(validate, value);
  }

  #checkParams(operation: Operation, place: "path" | "query", values: URLSearchParams): SchemaProblem[] {
    const key = `${place} ${operation.method} ${operation.template}`;
    const params = this.#parameters(operation).filter((param) => param.in === place);
    let validate = this.#cache.get(key);
    if (validate === undefined) {
      validate = this.#coercing.compile({
        type: "object",
        properties: Object.fromEntries(params.map((param) => [param.name, rebase(param.schema ?? {})])),
        required: params.filter((param) => param.required).map((param) => param.name),
        additionalProperties: place === "path" || !this.#options.strictQuery,
      });
      this.#cache.set(key, validate);
    }
    const object: Record<string, unknown> = {};
    for (const name of new Set(values.keys())) {
      const documented = this.#options.queryAliases?.[name] ?? name;
      const param = params.find((p) => p.name === documented);
      const all = values.getAll(name);
      const isArray = (this.#resolve(param?.schema) as { type?: string } | undefined)?.type === "array";
      object[documented] =
        isArray && param?.explode === false ? all.join(",").split(",") : all.length > 1 ? all : all[0];
    }
    return this.#run(validate, object);
  }

  #parameters(operation: Operation): Parameter[] {
    const item = this.#document.paths[operation.template] as { parameters?: unknown[] };
    const own = this.#operation(operation.template, operation.method).parameters ?? [];
    return [...(item.parameters ?? []), ...own].map((param) => this.#resolve(param) as Parameter);
  }

  #resolve(value: unknown): unknown {
    const ref = (value as { $ref?: unknown } | undefined)?.$ref;
    if (typeof ref !== "string") return value;
    let target: unknown = this.#document;
    for (const part of ref.replace(/^#\//, "").split("/")) {
      target = (target as Record<string, unknown>)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    }
    return this.#resolve(target);
  }

  #operation(template: string, method: string): OperationObject {
    return this.#document.paths[template]?.[method] as OperationObject;
  }

  #validator(pointer: string[], coerce: boolean): ValidateFunction {
    const ref = `${ID}#/${pointer.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
    const key = `${coerce ? "coerce" : "strict"} ${ref}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const validate = (coerce ? this.#coercing : this.#strict).compile({ $ref: ref });
    this.#cache.set(key, validate);
    return validate;
  }

  #run(validate: ValidateFunction, value: unknown): SchemaProblem[] {
    // Coercion writes into what it checks: give it a copy.
    return validate(structuredClone(value)) ? [] : describe(validate.errors ?? []);
  }

  #ajv(options: Options): Ajv {
    // strict: false because OpenAPI 3.0 adds keywords JSON Schema lacks (discriminator, style, x-*);
    // `nullable` is understood by Ajv itself.
    const ajv = new Ajv({ strict: false, allErrors: true, inlineRefs: false, ...options });
    addFormats(ajv);
    for (const [name, format] of Object.entries(this.#options.formats ?? {})) {
      ajv.addFormat(name, format === true ? () => true : format);
    }
    ajv.addSchema(this.#document, ID);
    return ajv;
  }
}

/** A schema lifted out of the document, its local `$ref`s pointed back into it. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) =>
      key === "$ref" && typeof value === "string" && value.startsWith("#/")
        ? [key, `${ID}${value}`]
        : [key, rebase(value)],
    ),
  );
}
