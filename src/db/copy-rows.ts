import { getTableColumns, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { PlannedTable } from "./copy-plan";
import type { SqliteDatabase } from "./handle";
import type { PostgresDatabase } from "./postgres";
import { all } from "./sql";

/**
 * One batch of a table, from the SQLite file to PostgreSQL. Rows travel as one JSON document per batch
 * (`jsonb_populate_recordset`): one parameter instead of one per value, which keeps PostgreSQL's 65,535
 * parameter cap out of reach and spares building a statement of thousands of placeholders (Drizzle's
 * builder took most of the copy's time). Types convert on the way, as `schema.pg.ts` has them: SQLite's
 * 0/1 become booleans, its JSON text becomes jsonb, integers stay exact (every one is below 2^53).
 */

export type PgTx = Parameters<Parameters<PostgresDatabase["transaction"]>[0]>[0];

type Row = Record<string, unknown>;

export type Batch = { rows: Row[]; first: string | number; last: string | number };

/** Rows after `after` in the order of the plan's key (rowid, or a WITHOUT ROWID table's primary key). */
export async function readBatch(
  source: SqliteDatabase,
  plan: PlannedTable,
  after: string | number | null,
  limit: number,
): Promise<Batch | null> {
  const key = plan.key ?? "rowid";
  const where = after === null ? "" : `WHERE "${key}" > ?2`;
  const rows = await all<Row>(
    source,
    `SELECT "${key}" AS "__key", * FROM "${plan.name}" ${where} ORDER BY "${key}" LIMIT ?1`,
    limit,
    ...(after === null ? [] : [after]),
  );
  const first = rows[0]?.__key;
  const last = rows.at(-1)?.__key;
  if (first === undefined || last === undefined) return null;
  for (const row of rows) delete row.__key;
  return { rows, first: first as string | number, last: last as string | number };
}

type Conversion = { columns: string[]; booleans: string[]; json: string[] };

const conversions = new WeakMap<PgTable, Conversion>();

function conversionOf(table: PgTable): Conversion {
  let known = conversions.get(table);
  if (!known) {
    const columns = Object.values(getTableColumns(table)) as PgColumn[];
    const named = (type: string): string[] =>
      columns.filter((c) => c.getSQLType() === type).map((c) => c.name);
    known = { columns: columns.map((c) => c.name), booleans: named("boolean"), json: named("jsonb") };
    conversions.set(table, known);
  }
  return known;
}

/** Inserts the batch as it is (ids included), converting what the dialects store differently. */
export async function insertBatch(tx: PgTx, plan: PlannedTable, rows: Row[]): Promise<void> {
  const { columns, booleans, json } = conversionOf(plan.to);
  for (const row of rows) {
    for (const column of booleans) if (row[column] !== null) row[column] = row[column] === 1;
    for (const column of json)
      if (typeof row[column] === "string") row[column] = JSON.parse(row[column] as string);
  }
  const list = sql.raw(columns.map((c) => `"${c}"`).join(", "));
  const table = sql.identifier(plan.name);
  await tx.execute(
    sql`INSERT INTO ${table} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${table}, ${JSON.stringify(rows)}::text::jsonb)`,
  );
}
