import { describe, expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const SRC = join(import.meta.dir, "../src");

/** Every module under `folder` with the src-relative paths of what it imports. */
function importsUnder(folder: string): { file: string; imports: string[] }[] {
  const root = join(SRC, folder);
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => {
      const path = join(root, name);
      // Imports, re-exports, side-effect imports and dynamic `import("…")` (the launcher's way in).
      const specifiers = [
        ...readFileSync(path, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g),
      ].map((m) => m[1] ?? "");
      return {
        file: relative(SRC, path),
        imports: specifiers.map((specifier) => relative(SRC, join(path, "..", specifier))),
      };
    });
}

const reaching = (folder: string, banned: readonly string[]): string[] =>
  importsUnder(folder).flatMap(({ file, imports }) =>
    imports
      .filter((target) => banned.some((b) => target === b || target.startsWith(`${b}/`)))
      .map((t) => `${file} → ${t}`),
  );

describe("the arrows between folders", () => {
  it("should keep the job engine free of job kinds: queue/ imports nothing from sms/, auth/, x/ or web/", () => {
    expect(reaching("queue", ["sms", "auth", "x", "web", "sandbox", "delivery"])).toEqual([]);
  });

  it("should keep storage below everything: db/ imports nothing from queue/, sms/, auth/, x/ or web/", () => {
    expect(reaching("db", ["queue", "sms", "auth", "x", "web", "sandbox", "delivery"])).toEqual([]);
  });

  it("should keep the adapters free of commands: x/ imports nothing from sms/ or auth/", () => {
    expect(reaching("x", ["sms", "auth", "queue", "sandbox"])).toEqual([]);
  });

  it("should let nothing under src/ but the sandbox itself and the launcher import the sandbox", () => {
    const outside = importsUnder(".").filter(
      ({ file }) => !file.startsWith(`sandbox${sep}`) && file !== "launch.ts",
    );
    const reachingSandbox = outside.flatMap(({ file, imports }) =>
      imports
        .filter((target) => target === "sandbox" || target.startsWith(`sandbox${sep}`))
        .map((t) => `${file} → ${t}`),
    );
    expect(reachingSandbox).toEqual([]);
  });
});

describe("the entry points (spec decision)", () => {
  const ROOT = join(SRC, "..");

  it("should run the launcher for bun run start", () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
    expect(scripts.start).toBe("bun run src/launch.ts");
    // The image's CMD (src/index.ts) is checked with the rest of the Dockerfile in test/deploy/caddy.test.ts.
  });

  it("should leave the sandbox out of the production image", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim());
    expect(ignored).toContain("src/sandbox/");
  });
});

describe("who writes which table", () => {
  it.each([
    ["texters", "texters.ts"],
    ["threadParts", "thread-parts.ts"],
    ["posts", "posts.ts"],
    ["deliveryCounts", "delivery-counts.ts"],
    ["heartbeats", "heartbeats.ts"],
    ["authLinks", "auth-links.ts"],
    ["oauthSessions", "oauth-sessions.ts"],
  ])("should leave every change to %s rows to db/%s", (table, owner) => {
    const write = new RegExp(`\\.(update|insert|delete)\\(${table}\\)`);
    const writers = readdirSync(SRC, { recursive: true, encoding: "utf8" })
      .filter((name) => /\.tsx?$/.test(name) && name !== join("db", owner) && name !== join("db", "erase.ts"))
      .filter((name) => write.test(readFileSync(join(SRC, name), "utf8")));
    expect(writers).toEqual([]);
  });
});

describe("one door to storage", () => {
  const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter(
    (name) => /\.tsx?$/.test(name) && !name.startsWith(`db${sep}`),
  );
  const offending = (pattern: RegExp): string[] =>
    files.filter((name) => pattern.test(readFileSync(join(SRC, name), "utf8")));

  it("should let nothing outside db/ import drizzle-orm or SQLite's driver: no caller knows the dialect", () => {
    expect(offending(/from\s+"(drizzle-orm[^"]*|bun:sqlite)"/)).toEqual([]);
  });

  it("should let nothing outside db/ take values from db/schema (types only)", () => {
    expect(offending(/^import\s+(?!type\b)[^;]*from\s+"[./]*db\/schema"/m)).toEqual([]);
  });

  it("should keep raw connections and prepared statements inside db/", () => {
    expect(offending(/\$client|\.conn\.client|\bprepared\(/)).toEqual([]);
  });
});
