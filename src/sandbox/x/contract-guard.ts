import type { Operation } from "../contract/openapi";
import type { ViolationLog } from "../contract/violations";
import { checkXAnswer, checkXRequest, xContract } from "../contract/x";
import { bearerToken, forbidden, invalidRequest } from "./http";
import type { StandInState } from "./state";

/** Whether requests and answers are checked against X's schema (benchmarks may turn it off), and where misses go. */
export type ContractGuard = { validate: boolean; log: ViolationLog };

/** A guard for a new stand-in; with validation on, its validators are compiled now rather than mid-test. */
export function contractGuard(validate: boolean, log: ViolationLog): ContractGuard {
  if (validate) xContract().warm();
  return { validate, log };
}

export function operationOf(method: string, path: string): Operation | null {
  return path.startsWith("/2/") ? xContract().find(method, path) : null;
}

/**
 * X's answer to a request it refuses before acting: a token without the operation's scopes (403, checked
 * whether or not validation is on), or a request its schema does not allow (400, recorded as a violation).
 */
export async function refusal(
  state: StandInState,
  request: Request,
  operation: Operation,
  guard: ContractGuard,
): Promise<Response | null> {
  const token = bearerToken(request);
  const session = token ? state.tokens.authenticate(token) : null;
  // An unknown token is the handler's 401.
  if (session && operation.scopes && !operation.scopes.every((scope) => session.scope.includes(scope))) {
    return forbidden("You are not permitted to perform this action.");
  }
  if (!guard.validate) return null;
  const problems = await checkXRequest(operation, request);
  if (problems.length === 0) return null;
  guard.log.record({ ...where(request, operation), direction: "request", problems });
  const parameters = Object.fromEntries(problems.map((p) => [p.parameter, [p.message]]));
  return invalidRequest(problems.map((p) => p.message).join(" "), parameters);
}

/** Records an answer of the stand-in's own that X's schema does not allow (injected faults are not checked). */
export async function checkAnswer(
  request: Request,
  operation: Operation,
  response: Response,
  guard: ContractGuard,
): Promise<void> {
  if (!guard.validate) return;
  const problems = await checkXAnswer(operation, response);
  if (problems.length === 0) return;
  guard.log.record({
    ...where(request, operation),
    direction: "response",
    status: response.status,
    problems,
  });
}

function where(request: Request, operation: Operation): { service: "X"; method: string; path: string } {
  return { service: "X", method: operation.method.toUpperCase(), path: new URL(request.url).pathname };
}
