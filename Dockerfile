# syntax=docker/dockerfile:1
# Zuora → ConductorOne façade. One image, two entry points:
#   service    (default)  node --max-semi-space-size=4 --heap-growing-percent=50 --conditions=compiled dist/src/server.js
#   simulator             node --max-semi-space-size=4 --heap-growing-percent=50 --conditions=compiled dist/simulator/server.js   (docker-compose's zuora-simulator)
# The TypeScript is compiled once, in the build stage (`npm run build`, tsconfig.build.json), so a start runs plain
# JavaScript: no transpiling at every start (spawn → listening well under a second).

# --- production dependencies only -------------------------------------------------------------
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install scripts run (none are needed).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- compile: the sources to dist/ (the dev dependencies stay in this stage) ------------------------------
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY routes ./routes
RUN npm run build

# --- runtime ----------------------------------------------------------------------------------
FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist

# Listen on every interface inside the container; snapshots go to the /data volume.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 3000

# Liveness without curl (slim images have none): Node's fetch. (The simulator entry point overrides this check:
# docker-compose.yml probes its /_sim/health on port 8080.) With TLS_CERT_FILE set the probe speaks HTTPS and
# accepts the service's own (possibly self-signed) certificate; it only checks that the process answers.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const s=process.env.TLS_CERT_FILE?'https':'http';if(s==='https')process.env.NODE_TLS_REJECT_UNAUTHORIZED='0';fetch(s+'://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Signals: node receives SIGTERM directly (exec form, no shell); close-with-grace closes the service within 10 s.
# Run with an init (`docker run --init`, compose `init: true`) so PID 1 also reaps zombies and forwards signals.
STOPSIGNAL SIGTERM
# A smaller young generation and a slower-growing heap keep the peak RSS of a 100k-user sync well under 400 MB
# (bench/memory.ts) for a few percent more GC time; the same flags are in package.json "start".
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--conditions=compiled"]
CMD ["dist/src/server.js"]
