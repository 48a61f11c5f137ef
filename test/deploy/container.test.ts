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

const ROOT = join(import.meta.dir, "../..");
// Line continuations joined, as Docker reads them.
const DOCKERFILE = readFileSync(join(ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, "");

type ComposeService = {
  stop_grace_period?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  healthcheck?: { test?: string[] };
};

/** docker-compose.yml as Compose itself reads it (anchors, variables, defaults), in a scratch copy. */
function composeConfig(): { services: Record<string, ComposeService> } {
  const dir = mkdtempSync(join(tmpdir(), "smstweet-compose-"));
  try {
    copyFileSync(join(ROOT, "docker-compose.yml"), join(dir, "docker-compose.yml"));
    copyFileSync(join(ROOT, "Caddyfile"), join(dir, "Caddyfile"));
    writeFileSync(join(dir, ".env"), "DOMAIN=smstweet.example.org\n");
    const run = Bun.spawnSync(["docker-compose", "-f", join(dir, "docker-compose.yml"), "config"], {
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
