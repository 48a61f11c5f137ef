import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";

/**
 * A throwaway PostgreSQL cluster on a loopback port, as the `postgres` user when we are root (initdb refuses
 * root): what the tests, the bench and `.ci/run` start when TEST_DATABASE_URL is not given.
 */
export type Cluster = { url: string; root: string; stop(): void };

export type ClusterOptions = {
  /** Off for tests (nothing to keep across a crash); on for the bench, where commits must be real. */
  fsync?: boolean;
  /** Stop the cluster when the process that started it dies, even by kill -9. */
  watchParent?: boolean;
  /** Accept TLS too, with this PEM pair (test/support/certs: self-signed for 127.0.0.1). */
  tls?: { cert: string; key: string };
};

/** The newest Debian PostgreSQL (15 or later) installed, or undefined. */
export function findPostgresBin(): string | undefined {
  // Tests point this elsewhere to see what a machine without PostgreSQL does.
  const base = process.env.SMSTWEET_TEST_PG_ROOT ?? "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .map(Number)
    .filter((v) => v >= 15 && existsSync(join(base, String(v), "bin/initdb")))
    .sort((a, b) => b - a);
  return versions[0] === undefined ? undefined : join(base, String(versions[0]), "bin");
}

export class ClusterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ClusterError";
  }
}

const isRoot = process.getuid?.() === 0;

/** As the `postgres` user when we are root; as ourselves otherwise. */
function asPostgres(args: string[]): string[] {
  return isRoot ? ["runuser", "-u", "postgres", "--", ...args] : args;
}

function run(args: string[], what: string): void {
  const result = spawnSync(asPostgres(args), { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new ClusterError(`${what} failed (${result.exitCode}): ${result.stderr.toString().trim()}`);
  }
}

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

export function startCluster(options: ClusterOptions = {}): Cluster {
  const bin = findPostgresBin();
  if (bin === undefined)
    throw new ClusterError("PostgreSQL 15+ is not installed (/usr/lib/postgresql/*/bin)");
  const root = mkdtempSync(join(tmpdir(), "smstweet-pg-"));
  const data = join(root, "data");
  const sockets = join(root, "sockets");
  mkdirSync(sockets);
  const password = crypto.randomUUID();
  writeFileSync(join(root, "pw"), password);
  const owned = [root, sockets, join(root, "pw")];
  const settings: string[] = [];
  if (options.tls) {
    copyFileSync(options.tls.cert, join(root, "server.crt"));
    copyFileSync(options.tls.key, join(root, "server.key"));
    chmodSync(join(root, "server.key"), 0o600); // PostgreSQL refuses a key others can read
    owned.push(join(root, "server.crt"), join(root, "server.key"));
    settings.push("-c ssl=on", `-c ssl_cert_file=${root}/server.crt`, `-c ssl_key_file=${root}/server.key`);
  }
  if (isRoot) {
    const uid = Number(spawnSync(["id", "-u", "postgres"]).stdout.toString());
    const gid = Number(spawnSync(["id", "-g", "postgres"]).stdout.toString());
    for (const path of owned) chownSync(path, uid, gid);
  }
  const stop = (): void => {
    spawnSync(asPostgres([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]), {
      stdout: "ignore",
      stderr: "ignore",
    });
    rmSync(root, { recursive: true, force: true });
  };
  try {
    run(
      [
        join(bin, "initdb"),
        "-D",
        data,
        "-U",
        "postgres",
        `--pwfile=${join(root, "pw")}`,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
      ],
      "initdb",
    );
    const port = startOn(bin, data, sockets, join(root, "log"), options.fsync ?? false, settings);
    if (options.watchParent) watch(bin, data, root);
    return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, root, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** A free port can be taken between our probe and the server's bind: a few tries. */
function startOn(
  bin: string,
  data: string,
  sockets: string,
  log: string,
  fsync: boolean,
  extra: string[],
): number {
  for (let attempt = 1; ; attempt++) {
    const port = freePort();
    const settings = [
      `-p ${port}`,
      `-k ${sockets}`,
      "-c listen_addresses=127.0.0.1",
      "-c max_connections=300",
      ...extra,
    ];
    if (!fsync) settings.push("-c fsync=off", "-c full_page_writes=off");
    try {
      run(
        [join(bin, "pg_ctl"), "-D", data, "-l", log, "-w", "-t", "60", "-o", settings.join(" "), "start"],
        "pg_ctl start",
      );
      return port;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** A shell that outlives us by a second or two: it stops the cluster once our pid is gone. */
function watch(bin: string, data: string, root: string): void {
  const stop = asPostgres([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"]).join(" ");
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stop} >/dev/null 2>&1; rm -rf ${root}`;
  const child = Bun.spawn(["sh", "-c", script], { stdio: ["ignore", "ignore", "ignore"], detached: true });
  child.unref();
}
