# syntax=docker/dockerfile:1
# debugdead webhook image: make image (docker build -t ghcr.io/debugdead/debugdead-webhook:VERSION .)
# Node 24 LTS. Pin a digest (node:24-alpine@sha256:...) when you publish: it can only be checked against
# a registry. No dependency needs an install script: every npm ci runs with --ignore-scripts.

# --- build: compile TypeScript with the dev dependencies --------------------------------------------
FROM node:24-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The image's own Node runs tsc (the `node` devDependency is not installed: --ignore-scripts).
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
  && test -f dist/webhook/main.js && test -f dist/bootstrap/main.js && test -f dist/certs/main.js

# --- deps: production dependencies only ----------------------------------------------------------------
FROM node:24-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------------------
FROM node:24-alpine AS runtime
LABEL org.opencontainers.image.title="debugdead-webhook" \
      org.opencontainers.image.description="Mutating admission webhook that makes debuggable copies of crash-looping pods" \
      org.opencontainers.image.source="https://github.com/debugdead/debugdead" \
      org.opencontainers.image.licenses="Apache-2.0"
# Nothing installs packages at run time: drop npm, npx, corepack and yarn from the final image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# A small young generation and two malloc arenas keep the webhook's resident memory under 120 MiB at full
# load with little CPU cost (bench/webhook-load.bench.ts). No --max-old-space-size: V8 applies it to every
# thread, overriding the heap limit of each review worker (src/webhook/limits.ts: 160 MiB, which holds the
# largest review the body limit lets in); the main thread only ever parses bodies of 64 KiB at most. The
# worst peak (bench/webhook-attacks.bench.ts, README) stays under the Deployment's 384Mi limit. `npm start`
# passes the same flags.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=4" \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Numeric, non-root (the same UID the manifests set with runAsUser): runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8443
# The bootstrap Job runs `node /app/dist/bootstrap/main.js`; `node /app/dist/certs/main.js` is the certs command.
ENTRYPOINT ["node", "/app/dist/webhook/main.js"]
