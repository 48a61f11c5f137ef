import { sql } from "drizzle-orm";
import { COPY_PLAN, type PlannedTable } from "./copy-plan";
import { insertBatch, type PgTx, readBatch } from "./copy-rows";
import type { SqliteDatabase } from "./handle";
import type { PostgresDatabase } from "./postgres";
import { get, run } from "./sql";

/**
 * copy-to-postgres's data move: every table of a SQLite file into an empty PostgreSQL database, in ONE
 * transaction (a failure anywhere leaves the target as it was), batch by batch (memory stays that of one
 * batch, whatever the install's size), ids kept and identity sequences moved past them, then counted and
 * summed table by table before the commit: a difference rolls everything back. Values convert as
 * `schema.pg.ts` has them (copy-rows.ts); sealed tokens are copied as they are.
 */

export type TableCopy = {
  table: string;
  source: number;
  target: number;
  /** Sum of the ids on each side, for tables with an id column: a cheap check that the same rows moved. */
  idSum: { source: string; target: string } | null;
  note: string | null;
};

export type CopyResult =
  | { kind: "copied"; tables: TableCopy[] }
  | { kind: "not-empty"; rows: { table: string; rows: number }[] }
  | { kind: "unknown-tables"; tables: string[] };

/** The copy's own pg_advisory_xact_lock key: a second copy at once waits, then finds the target full. */
const COPY_LOCK = 0x736d7374_636f7079n;

/** Rows per INSERT (one JSON document each): memory stays that of one batch, whatever the install's size. */
export const COPY_BATCH_ROWS = 1_000;

export class CopyError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "CopyError";
  }
}

/** Rolls the transaction back while carrying a result that is not an error to the operator. */
class Refusal {
  constructor(readonly result: CopyResult) {}
}

export async function copyToPostgres(
  source: SqliteDatabase,
  target: PostgresDatabase,
  batchRows = COPY_BATCH_ROWS,
): Promise<CopyResult> {
  // One snapshot of the file from the first batch to the last count.
  await run(source, "BEGIN");
  try {
    return await target.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${COPY_LOCK})`);
      const unknown = await unknownTables(tx);
      if (unknown.length > 0) throw new Refusal({ kind: "unknown-tables", tables: unknown });
      const full = await nonEmpty(tx);
      if (full.length > 0) throw new Refusal({ kind: "not-empty", rows: full });
      const tables: TableCopy[] = [];
      for (const plan of COPY_PLAN) tables.push(await copyTable(source, tx, plan, batchRows));
      const differing = tables.filter((t) => t.note === null && !same(t));
      if (differing.length > 0) {
        const what = differing.map((t) => `${t.table} ${t.source} → ${t.target}`).join(", ");
        throw new CopyError(`the copy did not match the file (${what}): nothing was kept`);
      }
      return { kind: "copied", tables } satisfies CopyResult;
    });
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    throw error;
  } finally {
    await run(source, "ROLLBACK");
  }
}

function same(t: TableCopy): boolean {
  return t.source === t.target && (t.idSum === null || t.idSum.source === t.idSum.target);
}

async function rowsOf<T>(tx: PgTx, text: string): Promise<T[]> {
  return (await tx.execute(sql.raw(text))) as unknown as T[];
}

/** Tables in the target that this release does not know: copying "every table" would leave them out. */
async function unknownTables(tx: PgTx): Promise<string[]> {
  const present = await rowsOf<{ name: string }>(
    tx,
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const known = new Set(COPY_PLAN.map((p) => p.name));
  return present.map((t) => t.name).filter((name) => !known.has(name));
}

/** "Empty" = no rows in our tables; rows the migrations seed (the health probe) do not count. */
async function nonEmpty(tx: PgTx): Promise<{ table: string; rows: number }[]> {
  const full: { table: string; rows: number }[] = [];
  for (const plan of COPY_PLAN) {
    if (plan.replace) continue;
    const [row] = await rowsOf<{ n: string }>(tx, `SELECT count(*)::text AS n FROM "${plan.name}"`);
    const rows = Number(row?.n ?? 0);
    if (rows > 0) full.push({ table: plan.name, rows });
  }
  return full;
}

async function copyTable(
  source: SqliteDatabase,
  tx: PgTx,
  plan: PlannedTable,
  batchRows: number,
): Promise<TableCopy> {
  const idColumn = plan.id ? ", coalesce(sum(id), 0) AS ids" : "";
  const counted = await get<{ n: number; ids?: number }>(
    source,
    `SELECT count(*) AS n${idColumn} FROM "${plan.name}"`,
  );
  const sourceRows = counted?.n ?? 0;
  if (plan.skip) {
    return { table: plan.name, source: sourceRows, target: 0, idSum: null, note: `not copied: ${plan.skip}` };
  }
  if (plan.replace) await tx.execute(sql.raw(`DELETE FROM "${plan.name}"`));
  let after: string | number | null = null;
  for (;;) {
    const batch = await readBatch(source, plan, after, batchRows);
    if (batch === null) break;
    after = batch.last;
    try {
      await insertBatch(tx, plan, batch.rows);
    } catch (error) {
      throw refusedRow(plan.name, plan.key ?? "row", batch.first, batch.last, error);
    }
  }
  if (plan.id) {
    // The app's next insert must not reuse a copied id.
    await tx.execute(
      sql.raw(`SELECT setval(pg_get_serial_sequence('"${plan.name}"', 'id'),
        coalesce((SELECT max(id) FROM "${plan.name}"), 0) + 1, false)`),
    );
  }
  const [copied] = await rowsOf<{ n: string; ids?: string }>(
    tx,
    `SELECT count(*)::text AS n${plan.id ? ", coalesce(sum(id), 0)::text AS ids" : ""} FROM "${plan.name}"`,
  );
  return {
    table: plan.name,
    source: sourceRows,
    target: Number(copied?.n ?? 0),
    idSum: plan.id ? { source: String(counted?.ids ?? 0), target: copied?.ids ?? "0" } : null,
    note: null,
  };
}

/**
 * Which rows PostgreSQL refused, in its own words: never the statement's parameters (Drizzle's message
 * lists them, and they are texts' bodies and sealed tokens).
 */
function refusedRow(
  table: string,
  key: string,
  first: string | number,
  last: string | number,
  error: unknown,
): CopyError {
  let inner: unknown = error;
  while ((inner as { cause?: unknown })?.cause !== undefined) inner = (inner as { cause: unknown }).cause;
  const reason = inner instanceof Error ? inner.message : String(inner);
  // A text key (a hash) names rows without telling anything about them.
  const rows = first === last ? `${key} ${first}` : `${key}s ${first}–${last}`;
  return new CopyError(`PostgreSQL refused ${table} ${rows}: ${reason}; nothing was copied`, {
    cause: inner,
  });
}
