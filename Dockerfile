# syntax=docker/dockerfile:1
# The service image: multi-stage, production dependencies only, non-root, with a HEALTHCHECK.
#   docker build -t rls-cds-hooks .
#   docker run -p 3000:3000 -e CDS_CLIENTS_FILE=/config/clients.json -v "$PWD/clients.json:/config/clients.json:ro" rls-cds-hooks
# Without DATABASE_URL the card log and feedback go to SQLite in /app/data: mount a volume there to keep them.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Build: TypeScript → dist/, and the EHR simulator page → dist/web/ (needs the dev dependencies).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
RUN npm run build

# 2. Production dependencies only (better-sqlite3 is compiled here, on the runtime's base image).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: no compiler, no dev dependencies, no source; runs as the unprivileged `node` user (uid 1000).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=3000 \
  LOG_FORMAT=json \
  CDS_DATA_DIR=/app/data
WORKDIR /app
COPY --chown=root:root package.json ./
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 and handles SIGTERM (graceful shutdown); npm would not pass the signal on.
CMD ["node", "dist/server.js"]
