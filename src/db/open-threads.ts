import { lt } from "drizzle-orm";
import { query } from "./sql";
import type { Writer } from "./transaction";

/** The numbers whose thread has been open since before `before` (housekeeping expires them). */
export async function threadsOpenedBefore(db: Writer, before: number): Promise<string[]> {
  const rows = await query(db, (orm, t) =>
    orm.select({ phone: t.texters.phone }).from(t.texters).where(lt(t.texters.threadOpenedAt, before)),
  );
  return rows.map((row) => row.phone);
}
