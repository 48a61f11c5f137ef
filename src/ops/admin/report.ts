/** What every admin command returns: typed data, and how a person reads it. One printer renders both. */

export type Cell = string | number | null;

export type Table = { title: string; columns: readonly string[]; rows: readonly (readonly Cell[])[] };

/** `data` is the `--json` document; `tables` and `lines` are the human view of the same facts. */
export type Report = { data: unknown; tables?: readonly Table[]; lines?: readonly string[] };

export type Outcome =
  | { kind: "done"; report: Report }
  /** Refused or failed: exit 1, `reason` is the one line why; `data` adds detail to the JSON document. */
  | { kind: "refused"; reason: string; data?: unknown; report?: Report };

/** A wrong command line: exit 2 with the usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const done = (report: Report): Outcome => ({ kind: "done", report });
export const refused = (reason: string, data?: unknown): Outcome => ({ kind: "refused", reason, data });

/** Times in reports: ISO 8601 in UTC, what an operator pastes into a log search. */
export function at(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
