# Tessera: build with the dev dependencies, run with the production ones only.
#   docker build -t tessera .
#   docker run -p 8080:8080 -p 8081:8081 -v tessera-data:/data tessera        (embedded database in /data)
# With PostgreSQL, see compose.yaml. `node scripts/lint-container.mjs` checks this file offline.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY gen ./gen
COPY bench ./bench
COPY test/harness/software-authenticator.ts ./test/harness/
RUN node scripts/build-if-stale.mjs --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    ADMIN_PORT=8081 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the native parts (argon2) come prebuilt, and nothing here compiles.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# gen/ as committed: the server reads gen/openapi/ (served at /openapi.json) from it at start.
COPY --from=build /app/gen ./gen
# The demo web app's committed bundle, served at /demo/ on the embedded database (the default here).
COPY examples/web/dist ./examples/web/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080 8081
# Slim images have no curl: node asks the management port whether this replica is ready.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ADMIN_PORT || 8081}/health/ready`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as the process that gets SIGTERM: Tessera drains for SHUTDOWN_GRACE_SECONDS (10 s
# by default), so give `docker stop` more than that (`--time 15`, compose's stop_grace_period).
CMD ["node", "dist/src/main.js"]
