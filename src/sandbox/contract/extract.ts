/**
 * Re-creates `x-api.json` and `twilio-api.json` from the vendors' OpenAPI documents: only the operations
 * smstweet calls, with every component they reference. Tests read the committed JSON, never the vendor files.
 *
 *   bun run src/sandbox/contract/extract.ts [vendor-dir]   (default: ../shared/vendor)
 */
import { join } from "node:path";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type Source = { repo: string; path: string; commit: string; file: string };

export type ContractPlan = {
  source: Source;
  /** Path template → the methods we call on it. */
  operations: Record<string, readonly string[]>;
  out: string;
};

const HERE = import.meta.dir;

export const PLANS: readonly ContractPlan[] = [
  {
    source: {
      repo: "github.com/xdevplatform/xdk",
      path: "specs/openapi.json",
      commit: "84c2654",
      file: "x-api-v2-openapi.json",
    },
    operations: {
      "/2/tweets": ["post"],
      "/2/tweets/{id}": ["get", "delete"],
      "/2/users/me": ["get"],
      "/2/users/{id}/tweets": ["get"],
      "/2/media/upload/initialize": ["post"],
      "/2/media/upload/{id}/append": ["post"],
      "/2/media/upload/{id}/finalize": ["post"],
      "/2/media/upload": ["get"],
    },
    out: join(HERE, "x-api.json"),
  },
  {
    source: {
      repo: "github.com/twilio/twilio-oai",
      path: "spec/json/twilio_api_v2010.json",
      commit: "d50069b",
      file: "twilio-api-v2010-openapi.json",
    },
    operations: {
      "/2010-04-01/Accounts/{AccountSid}/Messages.json": ["post", "get"],
      "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json": ["get"],
      "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json": ["get"],
      "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json": ["get"],
    },
    out: join(HERE, "twilio-api.json"),
  },
];

/** Examples are documentation only and make up most of the size. */
const DROPPED_KEYS = new Set(["examples", "example"]);

export function extract(document: JsonObject, plan: ContractPlan): JsonObject {
  const paths = document.paths as Record<string, JsonObject>;
  const components = document.components as Record<string, Record<string, Json>>;
  const kept: Record<string, JsonObject> = {};
  const wanted = new Map<string, Set<string>>();
  const queue: Json[] = [];
  for (const [template, methods] of Object.entries(plan.operations)) {
    const item = paths[template];
    if (item === undefined) throw new Error(`${plan.source.file} has no path ${template}`);
    const trimmed: JsonObject = {};
    if (item.parameters !== undefined) trimmed.parameters = item.parameters;
    for (const method of methods) {
      const operation = item[method];
      if (operation === undefined) throw new Error(`${plan.source.file} has no ${method} ${template}`);
      trimmed[method] = operation;
    }
    kept[template] = strip(trimmed) as JsonObject;
    queue.push(kept[template]);
  }
  // Follow every $ref until the set of referenced components stops growing.
  while (queue.length > 0) {
    for (const ref of refsIn(queue.pop() ?? null)) {
      const match = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
      if (!match?.[1] || !match[2]) throw new Error(`unexpected $ref ${ref}`);
      const [, section, name] = match;
      const names = wanted.get(section) ?? new Set<string>();
      if (names.has(name)) continue;
      names.add(name);
      wanted.set(section, names);
      const target = components[section]?.[name];
      if (target === undefined) throw new Error(`${plan.source.file} lacks ${ref}`);
      queue.push(target);
    }
  }
  const keptComponents: Record<string, JsonObject> = {
    securitySchemes: components.securitySchemes as JsonObject,
  };
  for (const [section, names] of wanted) {
    const entries = [...names].sort().map((name) => [name, strip(components[section]?.[name] ?? null)]);
    keptComponents[section] = Object.fromEntries(entries);
  }
  return {
    $comment: `Trimmed from ${plan.source.repo} ${plan.source.path} at commit ${plan.source.commit} by src/sandbox/contract/extract.ts: only the operations smstweet calls and what they reference. Do not edit; re-run the script.`,
    "x-source": { repo: plan.source.repo, path: plan.source.path, commit: plan.source.commit },
    openapi: document.openapi ?? null,
    info: document.info ?? null,
    ...(document.security === undefined ? {} : { security: document.security }),
    paths: kept,
    components: keptComponents,
  };
}

function strip(value: Json): Json {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !DROPPED_KEYS.has(key))
      .map(([key, inner]) => [key, strip(inner)]),
  );
}

function refsIn(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" ? [inner] : refsIn(inner),
  );
}

if (import.meta.main) {
  const vendor = process.argv[2] ?? join(HERE, "../../../../shared/vendor");
  for (const plan of PLANS) {
    const document = (await Bun.file(join(vendor, plan.source.file)).json()) as JsonObject;
    await Bun.write(plan.out, `${JSON.stringify(extract(document, plan), null, 2)}\n`);
    console.log(`wrote ${plan.out}`);
  }
}
