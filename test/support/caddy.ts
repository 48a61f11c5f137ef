import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "./wait";

const ROOT = join(import.meta.dir, "../..");
export const CADDYFILE = join(ROOT, "Caddyfile");
const NO_CADDY =
  "caddy is not installed: these tests run the real Caddy binary. Install it (Debian: apt-get install caddy; " +
  ".ci/run does this in CI) and run the tests again.";

export type Caddy = {
  url: string;
  process: Subprocess;
  accessLog(): string;
  stderr(): string;
  home: string;
  stop(): Promise<void>;
};

export function requireCaddy(): string {
  const caddy = Bun.which("caddy");
  if (!caddy) throw new Error(NO_CADDY);
  return caddy;
}

/** Caddy's environment: everything it writes (certificates, autosave) goes to `home`. */
export function caddyEnv(home: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    CADDY_ADMIN: "off",
    ...extra,
  };
}

/** The real Caddy with the project's Caddyfile at `domain`, in front of `upstream` (one or several). */
export async function startCaddy(opts: {
  domain: string;
  upstream: string;
  env?: Record<string, string>;
}): Promise<Caddy> {
  const caddy = requireCaddy();
  const home = mkdtempSync(join(tmpdir(), "smstweet-caddy-"));
  let stdout = "";
  let stderr = "";
  const child = Bun.spawn([caddy, "run", "--config", CADDYFILE, "--adapter", "caddyfile"], {
    cwd: home,
    env: caddyEnv(home, { DOMAIN: opts.domain, APP_UPSTREAM: opts.upstream, ...opts.env }),
    stdout: "pipe",
    stderr: "pipe",
  });
  void (async () => {
    for await (const chunk of child.stdout) stdout += new TextDecoder().decode(chunk);
  })();
  void (async () => {
    for await (const chunk of child.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  const handle: Caddy = {
    url: opts.domain,
    process: child,
    accessLog: () => stdout,
    stderr: () => stderr,
    home,
    async stop() {
      child.kill();
      await child.exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`caddy exited ${child.exitCode}: ${stderr}`);
      const res = await fetch(`${opts.domain}/.well-known/ready-probe`, {
        tls: { rejectUnauthorized: false },
      }).catch(() => null);
      return res?.status === 404;
    },
    "Caddy to serve",
    10_000,
  );
  return handle;
}
