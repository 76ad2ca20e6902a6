# syntax=docker/dockerfile:1
# The mxauth service: `docker build -t mxauth .` (docs/operations.md, "Container image").

# Build stage: compilers for the native SQLite module, the dev dependencies for TypeScript.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Final stage: production dependencies and the built CLI, no compilers, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    MXAUTH_CONFIG=/data/config.yaml
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped: better-sqlite3's native module comes from the build stage (same base
# image, same Node.js ABI) instead of compilers in this image.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node \
  ./node_modules/better-sqlite3/build/Release/better_sqlite3.node
COPY --from=build /app/dist ./dist
# `mxauth` on PATH, for `docker exec <container> mxauth manage …`; /data holds the config and SQLite.
RUN chmod 755 /app/dist/cli/bin.js \
  && ln -s /app/dist/cli/bin.js /usr/local/bin/mxauth \
  && mkdir /data \
  && chown node:node /data
USER node
WORKDIR /data
VOLUME /data
EXPOSE 8080
# The internal listener of `mxauth config generate` (127.0.0.1:8081) serves /health; no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/bin.js"]
CMD ["serve"]
