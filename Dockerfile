# smstweet: one Bun process (Elysia + SQLite). Build: docker compose build; run: see README "Deploying".
# oven/bun publishes <major>.<minor>-slim tags (Debian slim); 1.4 matches the Bun this project is developed
# and tested with (bun --version). Pin a patch (e.g. 1.4.5-slim) or a digest for fully reproducible builds.
ARG BUN_IMAGE=oven/bun:1.4-slim

FROM ${BUN_IMAGE} AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# Runtime dependencies only, exactly as locked.
RUN bun install --frozen-lockfile --production

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
# No curl in slim images: Bun itself asks /healthz (200 when the database answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# index.ts stops cleanly on SIGTERM (docker stop): finishes in-flight work, closes the database.
STOPSIGNAL SIGTERM
CMD ["bun", "run", "src/index.ts"]
