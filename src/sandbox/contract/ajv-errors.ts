import type { ErrorObject } from "ajv";
import type { SchemaProblem } from "./openapi";

/** Ajv's errors as X names parameters: a dotted path, the offending property for unknown ones. */
export function describe(errors: ErrorObject[]): SchemaProblem[] {
  const problems = errors.map((error) => {
    const path = error.instancePath.split("/").filter(Boolean);
    const extra = (error.params as { additionalProperty?: string; missingProperty?: string }) ?? {};
    const named = extra.additionalProperty ?? extra.missingProperty;
    const parameter = [...path, ...(named === undefined ? [] : [named])].join(".") || "body";
    const message =
      extra.additionalProperty === undefined
        ? `${parameter} ${error.message ?? "is invalid"}`
        : `${parameter} is not a recognised field`;
    return { parameter, message };
  });
  // oneOf reports each branch's miss; one line per distinct problem is enough to read.
  return problems.filter((problem, i) => problems.findIndex((p) => p.message === problem.message) === i);
}
