# The service as a container: compiled JavaScript, production dependencies only, non-root.
# Node >= 20.19 is required (CommonJS require() of the ESM-only jose package).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
COPY db ./db
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# HOST=0.0.0.0: reachable from outside the container (the service's own default is 127.0.0.1).
# Metrics are served on METRICS_PORT (not published by the proxy); set MIGRATE_ON_START=false and run
# `node dist/services/cli/migrate.js` as a release step when the runtime role has no DDL rights.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 METRICS_PORT=9464 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY policies ./policies
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run at start-up unless MIGRATE_ON_START=false; SIGTERM drains requests, logs "shutdown complete" and exits 0.
CMD ["node", "dist/services/server.js"]
