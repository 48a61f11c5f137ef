import { lt } from "drizzle-orm";
import { texters } from "./schema";
import { query } from "./sql";
import type { Writer } from "./transaction";

/** The numbers whose thread has been open since before `before` (housekeeping expires them). */
export async function threadsOpenedBefore(db: Writer, before: number): Promise<string[]> {
  const rows = await query(db, (orm) =>
    orm.select({ phone: texters.phone }).from(texters).where(lt(texters.threadOpenedAt, before)),
  );
  return rows.map((row) => row.phone);
}
