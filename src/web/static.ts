import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";

const PUBLIC = join(import.meta.dir, "../../public");

const FILES = {
  "/public/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/public/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
  "/favicon.ico": { file: "favicon.svg", type: "image/svg+xml" },
  "/robots.txt": { file: "robots.txt", type: "text/plain; charset=utf-8" },
} as const;

/** The few files in public/, read once at startup; a fixed list, so no path ever reaches the disk. */
// Elysia controllers keep their inferred type: it carries the routes for the app that mounts them.
export function staticController() {
  const app = new Elysia({ name: "static" });
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const bytes = readFileSync(join(PUBLIC, file));
    app.get(
      path,
      () =>
        new Response(bytes, { headers: { "content-type": type, "cache-control": "public, max-age=86400" } }),
    );
  }
  return app;
}
