import { describe, expect, it } from "bun:test";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config";
import { CADDYFILE, caddyEnv, requireCaddy } from "../support/caddy";

const ROOT = join(import.meta.dir, "../..");
const CREDENTIALS = {
  PUBLIC_URL: "https://smstweet.example.org",
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
  TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "token",
  TWILIO_PHONE_NUMBER: "+14155550100",
  X_CLIENT_ID: "client",
  X_CLIENT_SECRET: "secret",
};

/** The Caddyfile as Caddy's JSON with the given environment. */
function adaptCaddyfile(env: Record<string, string>): unknown {
  const home = mkdtempSync(join(tmpdir(), "smstweet-compose-caddy-"));
  try {
    const run = Bun.spawnSync([requireCaddy(), "adapt", "--config", CADDYFILE, "--adapter", "caddyfile"], {
      cwd: home,
      env: caddyEnv(home, env),
    });
    if (!run.success) throw new Error(`caddy adapt failed: ${run.stderr.toString()}`);
    return JSON.parse(run.stdout.toString());
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
// Line continuations joined, as Docker reads them.
const DOCKERFILE = readFileSync(join(ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, "");

type ComposeService = {
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  stop_grace_period?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  healthcheck?: { test?: string[] };
};

/** A compose file as Compose itself reads it (anchors, variables, defaults), in a scratch copy. */
function composeConfig(
  file = "docker-compose.yml",
  dotEnv = "DOMAIN=smstweet.example.org\n",
): { services: Record<string, ComposeService> } {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-compose-"));
  try {
    copyFileSync(join(ROOT, file), join(dir, file));
    copyFileSync(join(ROOT, "Caddyfile"), join(dir, "Caddyfile"));
    writeFileSync(join(dir, ".env"), dotEnv);
    const run = Bun.spawnSync(["docker-compose", "-f", join(dir, file), "config"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
    });
    if (!run.success) throw new Error(`docker-compose config failed: ${run.stderr.toString()}`);
    return Bun.YAML.parse(run.stdout.toString()) as { services: Record<string, ComposeService> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The packages src/ imports for their values (type-only imports vanish at run time). */
function runtimeImports(): string[] {
  const files = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" }).filter((name) =>
    /\.tsx?$/.test(name),
  );
  const specifiers = files.flatMap((name) =>
    [
      ...readFileSync(join(ROOT, "src", name), "utf8").matchAll(
        /^(?:import|export) (?!type )[^;]*? from "([^"]+)"/gm,
      ),
    ]
      .map((m) => m[1] ?? "")
      .filter((specifier) => !/^(\.|bun:|node:)/.test(specifier)),
  );
  return [...new Set(specifiers)].sort();
}

describe("docker-compose.yml, as Compose reads it", () => {
  const { services } = composeConfig();

  it("should give the app 30 s to finish its jobs on stop, past X's and Twilio's 10 s timeouts", () => {
    expect(services.app?.stop_grace_period).toBe("30s");
  });

  it("should rotate both services' logs", () => {
    for (const name of ["app", "caddy"]) {
      expect({ name, logging: services[name]?.logging }).toEqual({
        name,
        logging: { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } },
      });
    }
  });

  it("should check the app's health on the deep /healthz, printing its reason", () => {
    const command = services.app?.healthcheck?.test?.join(" ") ?? "";
    expect(command).toContain("/healthz'");
    expect(command).toContain("console.log(r.status,await r.text())");
  });
});

describe("docker-compose.replicas.yml, as Compose reads it", () => {
  const { services } = composeConfig(
    "docker-compose.replicas.yml",
    "DOMAIN=smstweet.example.org\nPOSTGRES_PASSWORD=pw-from-dotenv\n",
  );
  const apps = ["app1", "app2"].map((name) => services[name] ?? {});

  it("should run a pinned PostgreSQL on a volume, checked with pg_isready, its password from .env", () => {
    const postgres = services.postgres ?? {};
    expect(postgres.image).toMatch(/^postgres:1[5-9]\.\d+-bookworm$/);
    expect(postgres.volumes?.join(" ")).toContain(":/var/lib/postgresql/data");
    expect(postgres.healthcheck?.test).toContain("pg_isready");
    expect(postgres.environment?.POSTGRES_PASSWORD).toBe("pw-from-dotenv");
  });

  it("should start two replicas on that database once it is healthy, each a valid configuration", () => {
    for (const app of apps) {
      expect(app.environment?.DATABASE_URL).toBe("postgres://smstweet:pw-from-dotenv@postgres:5432/smstweet");
      expect(app.depends_on?.postgres?.condition).toBe("service_healthy");
      expect(app.stop_grace_period).toBe("30s");
      // What the app makes of it, with the credentials .env would add.
      const parsed = parseConfig({ ...CREDENTIALS, ...app.environment });
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      expect(parsed.config).toMatchObject({ role: "all", drainSeconds: 5, port: 3000 });
    }
  });

  it("should put Caddy in front of both replicas, balanced and health-checked, drained for longer than a check", () => {
    const caddy = services.caddy ?? {};
    expect(caddy.depends_on).toEqual({
      app1: { condition: "service_healthy" },
      app2: { condition: "service_healthy" },
    });
    const adapted = adaptCaddyfile({ DOMAIN: "smstweet.example.org", ...caddy.environment });
    const proxy = JSON.stringify(adapted).match(/"handler":"reverse_proxy".*?"upstreams":(\[[^\]]*\])/)?.[1];
    expect(JSON.parse(proxy ?? "null")).toEqual([{ dial: "app1:3000" }, { dial: "app2:3000" }]);
    const check = JSON.stringify(adapted).match(/"active":\{"interval":(\d+),"timeout":(\d+)/);
    const [interval, timeout] = [Number(check?.[1]) / 1e9, Number(check?.[2]) / 1e9];
    expect(Number(apps[0]?.environment?.DRAIN_SECONDS)).toBeGreaterThan(interval + timeout);
  });
});

describe("the image", () => {
  it("should be built on the Bun this project is tested with, pinned to the patch", () => {
    expect(DOCKERFILE).toContain(`ARG BUN_IMAGE=oven/bun:${Bun.version}-slim\n`);
  });

  it("should install the runtime dependencies without TypeScript or type packages, and still load the app", () => {
    const stage = DOCKERFILE.slice(
      DOCKERFILE.indexOf(" AS deps\n"),
      DOCKERFILE.indexOf("\nFROM ", 1 + DOCKERFILE.indexOf(" AS deps\n")),
    );
    const copied = stage.match(/^COPY (.+) \.\/$/m)?.[1]?.split(" ") ?? [];
    const steps = [...stage.matchAll(/^RUN (.+)$/gm)].map((m) => m[1] ?? "");
    expect(copied).toEqual(["package.json", "bun.lock", "bunfig.toml"]);
    expect(steps.length).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), "smstweet-image-"));
    try {
      for (const file of copied) copyFileSync(join(ROOT, file), join(dir, file));
      // The Dockerfile's own install step, from Bun's cache (filled by the checkout's bun install).
      for (const step of steps) {
        const run = Bun.spawnSync(["sh", "-c", step], { cwd: dir });
        expect({ step, stderr: run.success ? "" : run.stderr.toString() }).toEqual({ step, stderr: "" });
      }
      const modules = join(dir, "node_modules");
      for (const gone of ["typescript", "@typescript", "bun-types", "@types"])
        expect({ gone, present: existsSync(join(modules, gone)) }).toEqual({ gone, present: false });

      for (const specifier of runtimeImports()) expect(Bun.resolveSync(specifier, dir)).toStartWith(modules);
      // The production module graph (JSX runtime included) loads from these modules alone, and without
      // src/sandbox/, which .dockerignore leaves out of the image.
      const sandbox = join(ROOT, "src/sandbox");
      cpSync(join(ROOT, "src"), join(dir, "src"), {
        recursive: true,
        filter: (source) => !source.startsWith(sandbox),
      });
      copyFileSync(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
      const load = Bun.spawnSync(
        ["bun", "-e", 'await import("./src/app.ts"); await import("./src/serve.ts")'],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? "" },
        },
      );
      expect(load.stderr.toString()).toBe("");
      expect(load.success).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("should leave tests, benchmarks and tooling out of the build context", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim().replace(/\/$/, ""));
    expect(ignored).toEqual(
      expect.arrayContaining([
        "test",
        "test-output",
        "bench",
        ".ci",
        "biome.json",
        "drizzle.config.ts",
        "*.md",
      ]),
    );
  });
});
