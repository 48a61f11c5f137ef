/**
 * A replica's start as far as the database goes, in its own process: waits for START_AT (so that two
 * start at the same moment), opens the pool (migrating first), then closes. Exit 0 when it worked.
 */
import { closePostgres, openPostgres } from "../../src/db/postgres";

const url = process.env.PG_URL ?? "";
await Bun.sleep(Math.max(0, Number(process.env.START_AT ?? 0) - Date.now()));
try {
  await closePostgres(await openPostgres({ url, poolSize: 2 }));
} catch (error) {
  console.error(String(error));
  process.exit(1);
}
