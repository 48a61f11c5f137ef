import { defineConfig } from "drizzle-kit";

// PostgreSQL's migrations, beside SQLite's (`drizzle.config.ts`): `bun run db:generate` writes both.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.pg.ts",
  out: "./drizzle/postgres",
});
