import type { SchemaProblem } from "./openapi";

/** A request a stand-in received, or an answer it sent, that the vendor's OpenAPI document does not allow. */
export type ContractViolation = {
  service: "X" | "Twilio";
  method: string;
  path: string;
  direction: "request" | "response";
  status?: number;
  problems: SchemaProblem[];
};

export type ViolationSink = (violation: ContractViolation) => void;

const sinks = new Set<ViolationSink>();
const taken = new WeakSet<ContractViolation>();

/**
 * Every violation from every stand-in in this process also goes to these sinks, so a test harness can fail
 * the test that caused one whichever way the stand-in was created. Returns the unsubscribe.
 */
export function onContractViolation(sink: ViolationSink): () => void {
  sinks.add(sink);
  return () => void sinks.delete(sink);
}

/** A stand-in's own record of its violations; `take` hands them over (a test that expects them). */
export class ViolationLog {
  readonly #entries: ContractViolation[] = [];

  record(violation: ContractViolation): void {
    this.#entries.push(violation);
    for (const sink of sinks) sink(violation);
  }

  take(): ContractViolation[] {
    const entries = this.#entries.splice(0);
    for (const violation of entries) taken.add(violation);
    return entries;
  }
}

/** Whether a test took the violation from its stand-in, i.e. expected it. */
export function wasTaken(violation: ContractViolation): boolean {
  return taken.has(violation);
}

export function describeViolation(violation: ContractViolation): string {
  const what = violation.direction === "request" ? "request" : `answer ${violation.status ?? ""}`.trim();
  const problems = violation.problems.map((p) => p.message).join("; ");
  return `${violation.service} ${what} on ${violation.method} ${violation.path} breaks the vendor's schema: ${problems}`;
}
