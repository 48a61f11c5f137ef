# smstweet: one Bun process (Elysia + SQLite). Build: docker compose build; run: see README "Deploying".
# The Bun this project is developed and tested with (bun --version), to the patch: a rebuild months later gets
# the same runtime. Upgrade it together with the local Bun (test/deploy/container.test.ts checks they match).
ARG BUN_IMAGE=oven/bun:1.4.5-slim

FROM ${BUN_IMAGE} AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# Runtime dependencies only, exactly as locked. Bun still installs TypeScript (and its 27 MB native build) as a
# peer of @kitajs/ts-html-plugin, an editor plugin that @elysiajs/html depends on, and the type packages that
# Elysia and Drizzle name as optional peers but the root only has as devDependencies (oven-sh/bun#26837):
# nothing imports them at run time, so they go.
RUN bun install --frozen-lockfile --production \
 && rm -rf node_modules/typescript node_modules/@typescript node_modules/bun-types node_modules/@types

FROM ${BUN_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_PATH=/app/data/smstweet.db
COPY --from=deps /app/node_modules ./node_modules
# tsconfig.json is needed at runtime: Bun reads the JSX settings (@kitajs/html) from it.
COPY package.json bunfig.toml tsconfig.json ./
COPY src ./src
COPY public ./public
COPY drizzle ./drizzle
# The code stays owned by root (read-only for the app); only the data directory is the app's.
# The image's non-root user `bun` (uid 1000) owns it, so a fresh named volume inherits that owner.
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
VOLUME ["/app/data"]
EXPOSE 3000
# No curl in slim images: Bun itself asks the deep /healthz (database writable, worker moving, jobs not
# failing) and prints its answer, so `docker inspect` shows the one-line reason of a 503.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(async r=>{console.log(r.status,await r.text());process.exit(r.ok?0:1)},e=>{console.log(String(e));process.exit(1)})"]
# index.ts stops cleanly on SIGTERM (docker stop): finishes in-flight work, closes the database.
STOPSIGNAL SIGTERM
CMD ["bun", "run", "src/index.ts"]
