import type { Cell, Outcome, Table } from "./report";

export type Io = { out(text: string): void; err(text: string): void };

/** Renders an outcome: one JSON document on stdout with `--json`, tables otherwise; returns the exit code. */
export function print(outcome: Outcome, json: boolean, io: Io): number {
  if (outcome.kind === "refused") {
    if (json) io.out(JSON.stringify({ ok: false, error: outcome.reason, ...wrap(outcome.data) }, null, 2));
    else if (outcome.report) io.out(render(outcome.report.tables ?? [], outcome.report.lines ?? []));
    io.err(`admin: ${outcome.reason}`);
    return 1;
  }
  const { report } = outcome;
  if (json) io.out(JSON.stringify({ ok: true, ...wrap(report.data) }, null, 2));
  else io.out(render(report.tables ?? [], report.lines ?? []));
  return 0;
}

function wrap(data: unknown): Record<string, unknown> {
  if (data === undefined) return {};
  return typeof data === "object" && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : { data };
}

function render(tables: readonly Table[], lines: readonly string[]): string {
  const blocks = tables.map(table);
  if (lines.length > 0) blocks.push(lines.join("\n"));
  return blocks.join("\n\n");
}

function table({ title, columns, rows }: Table): string {
  if (rows.length === 0) return `${title}: none`;
  const text = (cell: Cell): string => (cell === null ? "-" : String(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => text(r[i] ?? null).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    `${title}:`,
    line(columns),
    ...rows.map((r) => line(columns.map((_, i) => text(r[i] ?? null)))),
  ].join("\n");
}
