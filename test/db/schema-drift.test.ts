import { afterAll, describe, expect, it } from "bun:test";
import { SQL } from "bun";
import { bigint, pgTable, text } from "drizzle-orm/pg-core";
import { migratePostgres } from "../../src/db/postgres";
import * as sqliteSchema from "../../src/db/schema";
import * as pgSchema from "../../src/db/schema.pg";
import { type FreshDatabase, freshDatabase, hasPostgres } from "../support/postgres";
import { compareShapes, pgShape, type SchemaShape, sqliteShape } from "../support/schema-shape";

describe("the two schemas", () => {
  it("should agree table for table: columns, types, nullability, defaults, keys, indexes and constraints", () => {
    const sqlite = sqliteShape(sqliteSchema);
    expect(Object.keys(sqlite).length).toBeGreaterThanOrEqual(13);
    expect(compareShapes(sqlite, pgShape(pgSchema))).toEqual([]);
  });

  it("should name a column added to one schema only, and a nullability that differs", () => {
    const heartbeats = pgTable("heartbeats", {
      id: text("id").primaryKey(),
      pid: bigint("pid", { mode: "number" }).notNull(),
      host: text("host").notNull(),
      startedAt: bigint("started_at", { mode: "number" }).notNull(),
      refreshedAt: bigint("refreshed_at", { mode: "number" }),
      version: text("version"),
    });
    const report = compareShapes(sqliteShape(sqliteSchema), pgShape({ ...pgSchema, heartbeats }));
    expect(report).toEqual([
      "heartbeats.refreshed_at: notNull is true in SQLite, false in PostgreSQL",
      "heartbeats.version: only in PostgreSQL",
    ]);
  });

  it("should name a table or an index that one side lacks", () => {
    const { jobs: _jobs, ...withoutJobs } = pgSchema;
    expect(compareShapes(sqliteShape(sqliteSchema), pgShape(withoutJobs))).toEqual([
      "table jobs: only in SQLite",
    ]);
    const pg = pgShape(pgSchema) as SchemaShape;
    const texters = pg.texters;
    if (!texters) throw new Error("no texters");
    const shifted = { ...pg, texters: { ...texters, indexes: { texters_handle: "(x_handle)" } } };
    expect(compareShapes(sqliteShape(sqliteSchema), shifted)).toEqual([
      "texters index texters_handle: absent in SQLite, (x_handle) in PostgreSQL",
    ]);
  });
});

describe.skipIf(!hasPostgres)("the PostgreSQL migrations, on PostgreSQL", () => {
  const databases: FreshDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  });

  it("should build on an empty database exactly what schema.pg.ts declares, with the seed row", async () => {
    const database = await freshDatabase({ migrated: false });
    databases.push(database);
    await migratePostgres(database.url);
    const sql = new SQL(database.url, { max: 1 });
    try {
      const columns = await sql`
        SELECT table_name, column_name, data_type, is_nullable, is_identity
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`;
      const indexes = await sql`
        SELECT t.relname AS tablename, i.relname AS indexname, x.indisunique AS unique
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND NOT x.indisprimary`;
      const actual = new Map<string, string>();
      for (const c of columns) {
        actual.set(
          `${c.table_name}.${c.column_name}`,
          `${c.data_type} ${c.is_nullable === "NO" ? "not null" : "null"} ${c.is_identity === "YES" ? "identity" : ""}`,
        );
      }
      const expected = new Map<string, string>();
      const expectedIndexes = new Set<string>();
      const { getTableConfig, PgTable } = await import("drizzle-orm/pg-core");
      const { is } = await import("drizzle-orm");
      for (const table of Object.values(pgSchema)) {
        if (!is(table, PgTable)) continue;
        const config = getTableConfig(table);
        for (const c of config.columns) {
          expected.set(
            `${config.name}.${c.name}`,
            `${c.getSQLType()} ${c.notNull ? "not null" : "null"} ${c.generatedIdentity ? "identity" : ""}`,
          );
        }
        for (const i of config.indexes) {
          expectedIndexes.add(`${config.name}.${i.config.name}${i.config.unique ? " unique" : ""}`);
        }
      }
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      const secondary = indexes.map(
        (i: { tablename: string; indexname: string; unique: boolean }) =>
          `${i.tablename}.${i.indexname}${i.unique ? " unique" : ""}`,
      );
      expect(new Set(secondary)).toEqual(expectedIndexes);
      expect(await sql`SELECT id, checked_at FROM health_probe`).toEqual([{ id: 1, checked_at: "0" }]);
    } finally {
      await sql.close();
    }
  });
});
