import { join } from "node:path";
import type { Subprocess } from "bun";
import { onTestDatabase } from "./database";
import { waitFor } from "./wait";

const ROOT = join(import.meta.dir, "../..");
/** What `bun run start` runs (package.json): the launcher, which picks the production or the sandbox entry. */
export const LAUNCHER = "src/launch.ts";
/** What the Dockerfile runs: production only. */
export const PRODUCTION_ENTRY = "src/index.ts";
export const TEST_CERT_PATH = join(import.meta.dir, "certs/cert.pem");

/** A free loopback port: bind to 0, read it, let go. */
export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port ?? 0;
  probe.stop(true);
  return port;
}

export type AppProcess = { url: string; process: Subprocess; output(): string };

/** Runs `bun run start` as an operator would, with the given environment, and waits for /healthz. */
export async function startAppProcess(
  given: Record<string, string>,
  /** `as-given`: keep DATABASE_PATH a SQLite file even in the PostgreSQL pass (e.g. a copy's source). */
  options: { database?: "pass" | "as-given" } = {},
): Promise<AppProcess> {
  const env = options.database === "as-given" ? given : await onTestDatabase(given);
  const port = env.PORT ?? String(freePort());
  let output = "";
  // PROF=1: each app process writes a CPU profile (markdown) to /tmp/prof when it exits.
  const profile = process.env.PROF ? ["--cpu-prof-md", "--cpu-prof-dir=/tmp/prof"] : [];
  const child = Bun.spawn(["bun", ...profile, "run", LAUNCHER], {
    cwd: ROOT,
    // DRAIN_SECONDS=0 unless a test asks: SIGTERM stops at once, as tests that restart processes expect.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DRAIN_SECONDS: "0",
      ...env,
      PORT: port,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  void collect(child.stdout);
  void collect(child.stderr);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`app exited ${child.exitCode}: ${output}`);
      return (await fetch(`${url}/healthz`).catch(() => null))?.ok;
    },
    "the app to answer /healthz",
    15_000,
  );
  return { url, process: child, output: () => output };
}

/** Runs the app with `env` (and nothing else from this process but PATH) until it exits by itself. */
export async function runAppToExit(
  env: Record<string, string>,
  entry: string = LAUNCHER,
): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn(["bun", "run", entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  return { code, stderr };
}
