import { is, SQL } from "drizzle-orm";
import { PgTable, getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import { SQLiteTable, getTableConfig as sqliteConfig } from "drizzle-orm/sqlite-core";

/**
 * Each dialect's Drizzle schema reduced to what both must agree on (tables, columns, nullability, defaults,
 * keys, indexes, unique constraints, foreign keys), so that the two can be compared line by line.
 */
export type ColumnShape = {
  type: string;
  notNull: boolean;
  default: string;
  primary: boolean;
  identity: boolean;
  unique: boolean;
};
export type TableShape = {
  columns: Record<string, ColumnShape>;
  primaryKeys: string[];
  indexes: Record<string, string>;
  uniques: string[];
  foreignKeys: string[];
};
export type SchemaShape = Record<string, TableShape>;

/** The explicit type mapping: what each dialect's column type means in the other. */
const TYPES: Record<string, string> = {
  SQLiteText: "text",
  SQLiteInteger: "integer",
  SQLiteBoolean: "boolean",
  SQLiteTextJson: "json",
  PgText: "text",
  PgInteger: "integer",
  PgBigInt53: "integer",
  PgBoolean: "boolean",
  PgJsonb: "json",
  // schema.pg.ts's own jsonb (see there why it is not Drizzle's).
  "PgCustomColumn jsonb": "json",
};

type AnyColumn = {
  name: string;
  columnType: string;
  notNull: boolean;
  default: unknown;
  primary: boolean;
  isUnique: boolean;
  autoIncrement?: boolean;
  generatedIdentity?: unknown;
  getSQLType(): string;
};
type AnyConfig = {
  name: string;
  columns: AnyColumn[];
  indexes: { config: { name: string; columns: unknown[]; unique: boolean; where?: SQL } }[];
  primaryKeys: { columns: { name: string }[] }[];
  uniqueConstraints: { columns: { name: string }[] }[];
  foreignKeys: {
    reference(): { columns: { name: string }[]; foreignTable: unknown; foreignColumns: { name: string }[] };
    onDelete?: string;
  }[];
};

/** A custom column's type is its SQL type: one name covers every customType() otherwise. */
function typeKey(c: AnyColumn): string {
  return c.columnType.endsWith("CustomColumn") ? `${c.columnType} ${c.getSQLType()}` : c.columnType;
}

/** Renders a WHERE (a partial index) or a SQL default the same way whatever the dialect. */
function render(value: unknown): string {
  if (value === undefined) return "";
  if (!is(value, SQL)) return JSON.stringify(value);
  return value.queryChunks
    .map((chunk) => {
      const c = chunk as { value?: unknown; name?: string };
      if (Array.isArray(c.value)) return c.value.join("");
      if (is(chunk, SQL)) return render(chunk);
      if (typeof c.name === "string") return `"${c.name}"`;
      return JSON.stringify(c.value ?? chunk);
    })
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}

function shape(config: AnyConfig, tableName: (table: unknown) => string): TableShape {
  const columns: Record<string, ColumnShape> = {};
  for (const c of config.columns) {
    columns[c.name] = {
      type: TYPES[typeKey(c)] ?? `unmapped ${typeKey(c)}`,
      notNull: c.notNull,
      default: render(c.default),
      primary: c.primary,
      identity: c.autoIncrement === true || c.generatedIdentity !== undefined,
      unique: c.isUnique,
    };
  }
  const indexes: Record<string, string> = {};
  for (const { config: i } of config.indexes) {
    const names = i.columns.map((c) => (c as { name: string }).name).join(", ");
    indexes[i.name] = `${i.unique ? "unique " : ""}(${names})${i.where ? ` where ${render(i.where)}` : ""}`;
  }
  return {
    columns,
    indexes,
    primaryKeys: config.primaryKeys.map((k) => k.columns.map((c) => c.name).join(", ")),
    uniques: config.uniqueConstraints.map((u) => u.columns.map((c) => c.name).join(", ")),
    foreignKeys: config.foreignKeys.map((fk) => {
      const r = fk.reference();
      const to = `${tableName(r.foreignTable)}(${r.foreignColumns.map((c) => c.name).join(", ")})`;
      return `(${r.columns.map((c) => c.name).join(", ")}) -> ${to} on delete ${fk.onDelete ?? "no action"}`;
    }),
  };
}

export function sqliteShape(schema: Record<string, unknown>): SchemaShape {
  const out: SchemaShape = {};
  for (const table of Object.values(schema)) {
    if (!is(table, SQLiteTable)) continue;
    const config = sqliteConfig(table) as unknown as AnyConfig;
    out[config.name] = shape(config, (t) => sqliteConfig(t as SQLiteTable).name);
  }
  return out;
}

export function pgShape(schema: Record<string, unknown>): SchemaShape {
  const out: SchemaShape = {};
  for (const table of Object.values(schema)) {
    if (!is(table, PgTable)) continue;
    const config = pgConfig(table) as unknown as AnyConfig;
    out[config.name] = shape(config, (t) => pgConfig(t as PgTable).name);
  }
  return out;
}

/** Every difference, one line each, naming the table and column or index: empty when the schemas agree. */
export function compareShapes(sqlite: SchemaShape, pg: SchemaShape): string[] {
  const report: string[] = [];
  const sides = (a: object, b: object): string[] =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const table of sides(sqlite, pg)) {
    const s = sqlite[table];
    const p = pg[table];
    if (!s || !p) {
      report.push(`table ${table}: only in ${s ? "SQLite" : "PostgreSQL"}`);
      continue;
    }
    for (const column of sides(s.columns, p.columns)) {
      const a = s.columns[column];
      const b = p.columns[column];
      if (!a || !b) {
        report.push(`${table}.${column}: only in ${a ? "SQLite" : "PostgreSQL"}`);
        continue;
      }
      for (const key of Object.keys(a) as (keyof ColumnShape)[]) {
        if (a[key] !== b[key])
          report.push(`${table}.${column}: ${key} is ${a[key]} in SQLite, ${b[key]} in PostgreSQL`);
      }
    }
    for (const index of sides(s.indexes, p.indexes)) {
      if (s.indexes[index] !== p.indexes[index]) {
        report.push(
          `${table} index ${index}: ${s.indexes[index] ?? "absent"} in SQLite, ${p.indexes[index] ?? "absent"} in PostgreSQL`,
        );
      }
    }
    for (const key of ["primaryKeys", "uniques", "foreignKeys"] as const) {
      const a = [...s[key]].sort().join("; ");
      const b = [...p[key]].sort().join("; ");
      if (a !== b) report.push(`${table} ${key}: [${a}] in SQLite, [${b}] in PostgreSQL`);
    }
  }
  return report;
}
