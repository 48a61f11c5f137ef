/**
 * A throwaway PostgreSQL cluster for the bench: `initdb` + `pg_ctl` in a temp dir, on a loopback port,
 * as the `postgres` user when the bench runs as root (initdb refuses root), stopped and deleted at the end.
 * Durability stays as a production server has it (fsync and synchronous_commit on), so figures are honest.
 */
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = process.env.BENCH_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export type Cluster = { url: string; version: string; stop(): Promise<void>; stopNow(): void };

/** Why no cluster can be started here, or null when the binaries are in place. */
export function missingPostgres(): string | null {
  for (const tool of ["initdb", "pg_ctl", "postgres"]) {
    if (!existsSync(join(BIN, tool))) return `${join(BIN, tool)} not found (apt-get install postgresql)`;
  }
  if (process.getuid?.() === 0 && !Bun.which("runuser")) return "running as root without runuser";
  return null;
}

function owner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number =>
    Number(Bun.spawnSync(["id", flag, "postgres"]).stdout.toString().trim() || Number.NaN);
  const uid = id("-u");
  const gid = id("-g");
  if (Number.isNaN(uid))
    throw new Error("bench: running as root and there is no postgres user to run PostgreSQL as");
  return { uid, gid };
}

function run(asPostgres: boolean, command: string[]): void {
  const argv = asPostgres ? ["runuser", "-u", "postgres", "--", ...command] : command;
  const result = Bun.spawnSync(argv, {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "" },
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `bench: ${command[0]} exited ${result.exitCode}: ${result.stderr.toString().slice(-2_000)}`,
    );
  }
}

/** initdb + pg_ctl start on 127.0.0.1:`port`; resolves once the server accepts connections. */
export function startCluster(port: number): Cluster {
  const who = owner();
  const dir = mkdtempSync(join(tmpdir(), "smstweet-bench-pg-"));
  const data = join(dir, "data");
  // A password, as managed servers ask for one: the app's driver goes through SCRAM as it would there.
  const password = crypto.randomUUID();
  writeFileSync(join(dir, "pw"), `${password}\n`);
  if (who) {
    chownSync(dir, who.uid, who.gid);
    chownSync(join(dir, "pw"), who.uid, who.gid);
  }
  const asPostgres = who !== null;
  const pgCtl = join(BIN, "pg_ctl");
  // --no-sync only skips initdb's own flushes of the template files; the server below runs with fsync on.
  run(asPostgres, [
    join(BIN, "initdb"),
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=scram-sha-256",
    `--pwfile=${join(dir, "pw")}`,
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-c unix_socket_directories=${dir}`,
    "-c fsync=on",
    "-c synchronous_commit=on",
    "-c max_connections=300",
  ].join(" ");
  run(asPostgres, [pgCtl, "-D", data, "-l", join(dir, "log"), "-w", "-t", "60", "-o", options, "start"]);
  const version = Bun.spawnSync([join(BIN, "postgres"), "--version"])
    .stdout.toString()
    .trim();
  const stopArgs = (mode: string): string[] => [pgCtl, "-D", data, "-m", mode, "-w", "stop"];
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    version,
    stop: async () => {
      try {
        run(asPostgres, stopArgs("fast"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    // For an interrupted bench: no awaiting, nothing left running.
    stopNow: () => {
      Bun.spawnSync(
        asPostgres ? ["runuser", "-u", "postgres", "--", ...stopArgs("immediate")] : stopArgs("immediate"),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
