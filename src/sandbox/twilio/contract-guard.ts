import type { Operation, SchemaProblem } from "../contract/openapi";
import { checkTwilioAnswer, checkTwilioRequest, twilioContract } from "../contract/twilio";
import type { ViolationLog } from "../contract/violations";
import { twilioError } from "./errors";

/** Whether requests and answers are checked against Twilio's schema (benchmarks may turn it off), and where misses go. */
export type ContractGuard = { validate: boolean; log: ViolationLog };

/** A guard for a new stand-in; with validation on, its validators are compiled now rather than mid-test. */
export function contractGuard(validate: boolean, log: ViolationLog): ContractGuard {
  if (validate) twilioContract().warm();
  return { validate, log };
}

export function operationOf(method: string, path: string): Operation | null {
  return twilioContract().find(method, path);
}

/** Twilio's 400 for a request its schema does not allow, recorded as a violation; null when it is allowed. */
export async function refusal(
  request: Request,
  path: string,
  operation: Operation,
  guard: ContractGuard,
): Promise<Response | null> {
  if (!guard.validate) return null;
  const problems = await checkTwilioRequest(operation, request);
  if (problems.length === 0) return null;
  guard.log.record({ service: "Twilio", method: request.method, path, direction: "request", problems });
  return errorFor(problems);
}

/** Records an answer of the stand-in's own that Twilio's schema does not allow (injected faults are not checked). */
export async function checkAnswer(
  request: Request,
  path: string,
  operation: Operation,
  response: Response,
  guard: ContractGuard,
): Promise<void> {
  if (!guard.validate) return;
  const problems = await checkTwilioAnswer(operation, response);
  if (problems.length === 0) return;
  guard.log.record({
    service: "Twilio",
    method: request.method,
    path,
    direction: "response",
    status: response.status,
    problems,
  });
}

/** Twilio's codes for what its schema catches: a missing or malformed number has its own; the rest is 20001. */
function errorFor(problems: SchemaProblem[]): Response {
  const about = (name: string): SchemaProblem | undefined => problems.find((p) => p.parameter === name);
  const to = about("To");
  if (to?.message.includes("required")) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (to) return twilioError(400, 21211, "Invalid 'To' Phone Number");
  if (about("From")) return twilioError(400, 21212, "Invalid 'From' Phone Number");
  return twilioError(400, 20001, `Invalid parameter: ${problems.map((p) => p.message).join("; ")}`);
}
