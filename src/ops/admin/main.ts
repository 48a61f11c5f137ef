import { parseArgs } from "node:util";
import { PostgresError } from "../../db/postgres";
import { backup } from "./backup";
import { readAdminConfig, readKeys } from "./config";
import { copyToPostgresCommand } from "./copy-to-postgres";
import { MissingDatabaseError } from "./database";
import { forget } from "./forget";
import { phoneArgument } from "./phone";
import { type Io, print } from "./print";
import { type Outcome, refused, UsageError } from "./report";
import { restore } from "./restore";
import { retryFailed, retryJob } from "./retry";
import { rotateKey } from "./rotate-key";
import { status } from "./status";
import { texter } from "./texter";

export const USAGE = `usage: bun run admin <command> [--json]
  status                 queues, failures of the last hour, budgets, running processes
  texter <phone>         a number's state and its last texts' outcomes
  retry <job>            a failed job runs again (job ids: status --json, texter --json)
  retry --failed         every failed job still kept
  forget <phone>         erase everything about a number (as DELETE + CONFIRM)
  backup <file>          a checked copy of the database; never overwrites
  restore <file>         replace the database with a backup; the app must be stopped
  rotate-key             re-encrypt under TOKEN_ENCRYPTION_KEY what TOKEN_ENCRYPTION_KEY_PREVIOUS sealed
  copy-to-postgres <sqlite-file>
                         copy a stopped install's SQLite file into the empty database at DATABASE_URL
exit codes: 0 done, 1 refused or failed, 2 usage`;

type Env = Record<string, string | undefined>;

const PG_BACKUP =
  "DATABASE_URL is set: on PostgreSQL, back up with pg_dump -Fc and restore with pg_restore (README: When one machine is not enough); backup and restore work on the SQLite file only";

/** Runs one command line; returns the exit code. `--json` may stand anywhere. */
export async function runAdmin(argv: readonly string[], env: Env, io: Io, now = Date.now()): Promise<number> {
  // Even a command line too wrong to parse answers a script that asked for JSON in JSON.
  const usage = (error: unknown): number => {
    const reason = error instanceof Error ? error.message : String(error);
    if (argv.includes("--json")) io.out(JSON.stringify({ ok: false, error: reason, usage: true }));
    io.err(`admin: ${reason}\n${USAGE}`);
    return 2;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usage(error);
  }
  const { command, args, json, failed } = parsed;
  try {
    return print(await dispatch(command, args, failed, env, now), json, io);
  } catch (error) {
    if (error instanceof UsageError) return usage(error);
    if (error instanceof MissingDatabaseError || error instanceof PostgresError)
      return print(refused(error.message), json, io);
    return print(refused(`${command} failed: ${String(error)}`), json, io);
  }
}

function parse(argv: readonly string[]): { command: string; args: string[]; json: boolean; failed: boolean } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { json: { type: "boolean" }, failed: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const [command, ...args] = positionals;
  if (command === undefined) throw new UsageError("a command is required");
  return { command, args, json: values.json === true, failed: values.failed === true };
}

async function dispatch(
  command: string,
  args: string[],
  failed: boolean,
  env: Env,
  now: number,
): Promise<Outcome> {
  const expect = (count: number): void => {
    if (args.length !== count)
      throw new UsageError(`${command} takes ${count || "no"} argument${count === 1 ? "" : "s"}`);
    if (failed && command !== "retry") throw new UsageError(`--failed is for retry only`);
  };
  const read = readAdminConfig(env);
  if (!read.ok) return refused(read.problem);
  const config = read.value;
  switch (command) {
    case "status":
      expect(0);
      return status(config, now);
    case "texter":
      expect(1);
      return texter(config, phoneArgument(args[0], config.defaultCountry));
    case "retry": {
      if (failed) {
        expect(0);
        return retryFailed(config, now);
      }
      expect(1);
      const id = Number(args[0]);
      if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`not a job id: ${args[0]}`);
      return retryJob(config, id, now);
    }
    case "forget":
      expect(1);
      return forget(config, phoneArgument(args[0], config.defaultCountry), now);
    case "backup":
      expect(1);
      if (config.database.dialect === "postgres") return refused(PG_BACKUP);
      return backup(config, args[0] ?? "");
    case "restore":
      expect(1);
      if (config.database.dialect === "postgres") return refused(PG_BACKUP);
      return restore(config, args[0] ?? "", now);
    case "rotate-key": {
      expect(0);
      const keys = readKeys(env);
      if (!keys.ok) return refused(keys.problem);
      return rotateKey(config, keys.value, now);
    }
    case "copy-to-postgres":
      expect(1);
      return copyToPostgresCommand(config, args[0] ?? "", now);
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

if (import.meta.main) {
  const io: Io = { out: (text) => console.log(text), err: (text) => console.error(text) };
  process.exitCode = await runAdmin(process.argv.slice(2), process.env, io);
}
