/** Formatting for the bench's tables: figures, ratios and aligned text tables. */

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
/** Decimal megabytes, the unit of the memory target. */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
export const ratio = (value: number): string => `${value.toFixed(2)}×`;
export const perSecond = (value: number): string => `${Math.round(value).toLocaleString("en-US")}/s`;
export const count = (value: number): string => Math.round(value).toLocaleString("en-US");
export const seconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(1)} s`;

/**
 * Prints a titled table with columns padded to their widest cell; `align` has one letter per column,
 * `l` or `r` (by default the first column is left-aligned, the others right-aligned).
 */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align = "l",
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const left = (i: number): boolean => (align[i] ?? "r") === "l";
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (left(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join(" | ")
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of rows) console.log(line(row));
}
