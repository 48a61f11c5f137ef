import type { Database } from "../../src/db/client";
import { run } from "../../src/db/sql";

/** A storage failure a test injects, as each database reports it. */
export type Failure = "disk full" | "disk I/O error" | "read-only";

/** The SQLSTATE PostgreSQL would give for the same trouble. */
const SQLSTATE: Record<Failure, string> = {
  "disk full": "53100",
  "disk I/O error": "58030",
  "read-only": "25006",
};

/**
 * Makes every `op` on `table` fail as if the disk did, until the returned function is called: a SQLite
 * trigger that raises, or on PostgreSQL a plpgsql trigger raising the matching SQLSTATE.
 */
export async function breakWrites(
  db: Database,
  table: string,
  op: "INSERT" | "UPDATE",
  failure: Failure,
): Promise<() => Promise<void>> {
  const name = `broken_${table}`;
  if (db.dialect === "sqlite") {
    await run(
      db,
      `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${failure}'); END`,
    );
    return async () => void (await run(db, `DROP TRIGGER ${name}`));
  }
  await run(
    db,
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${failure}' USING ERRCODE = '${SQLSTATE[failure]}'; END $$`,
  );
  await run(db, `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  return async () => {
    await run(db, `DROP TRIGGER ${name} ON ${table}`);
    await run(db, `DROP FUNCTION ${name}()`);
  };
}
