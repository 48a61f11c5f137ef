import { join } from "node:path";
import { databaseAt } from "./database";

const ROOT = join(import.meta.dir, "../..");

export type AdminRun = { code: number; stdout: string; stderr: string; json(): Record<string, unknown> };

/** `bun run admin …` as an operator types it, with `env` and nothing else of this process's but PATH. */
export async function admin(args: readonly string[], env: Record<string, string>): Promise<AdminRun> {
  const child = Bun.spawn(["bun", "run", "admin", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

/** The lines `bun run` itself writes to stderr (`$ bun run src/…`, `error: script … exited`) left out. */
export function adminErrors(run: AdminRun): string[] {
  return run.stderr.split("\n").filter((line) => line.startsWith("admin: "));
}

/**
 * What the operator's `.env` says for the database a test service at `dbPath` uses: DATABASE_PATH on
 * SQLite, DATABASE_URL in the PostgreSQL pass (`SMSTWEET_TEST_DB=postgres`).
 */
export async function adminEnv(dbPath: string): Promise<Record<string, string>> {
  const database = await databaseAt(dbPath);
  return database.dialect === "postgres" ? { DATABASE_URL: database.url } : { DATABASE_PATH: database.path };
}
