# syntax=docker/dockerfile:1.7
# balance-api image. Multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .`
# Node 24 LTS on Debian 13 (glibc 2.41): the uWebSockets.js 20.57 build needs glibc >= 2.38 (see
# README, Runtime). Every stage uses this one base, pinned by its multi-arch index digest (the
# node:24.21.0-trixie-slim release of the node:24-trixie-slim tag); bump tag and digest together.
ARG NODE_IMAGE=node:24-trixie-slim@sha256:8ec5d7557396cfe32d21c3f9c13072355ceab22b584578ca4bb28af31120cffe

# Build once on the runner's own platform: the compiled JavaScript is platform-independent, so
# the slow emulated (QEMU) platform never runs the TypeScript compiler.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, installed on the target platform so any native package gets
# the binary for the architecture that will run it.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional too: viem's optional peer typescript is also our devDependency, which npm books
# as devOptional and --omit=dev alone installs (piscina's optional thread-priority addon goes too).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund
# uWS 20.57 ships binaries for every platform and Node version. Keep only this platform's, check it
# against the sha256 the repository records, and load it here, so a changed binary or an
# incompatible base image (glibc, architecture) fails the build instead of production. The 20.30
# fallback (uWebSockets.js) has no Node 24 binary: its binaries go, so it can never load here.
COPY src/http/uws-binaries.sha256 ./
RUN set -eu; \
    dir=node_modules/@btc-vision/uwebsockets.js; \
    keep=$(node -p "'uws_'+process.platform+'_'+process.arch+'_'+process.versions.modules+'.node'"); \
    grep " $keep\$" uws-binaries.sha256 | (cd "$dir" && sha256sum -c -); \
    find "$dir" -name 'uws_*.node' ! -name "$keep" -delete; \
    rm -rf node_modules/uWebSockets.js/binaries uws-binaries.sha256; \
    node -e "require('@btc-vision/uwebsockets.js')._cfg('silent')"; \
    echo "uWebSockets.js native: $dir/$keep"

FROM ${NODE_IMAGE} AS runtime
# The V8 old-space cap keeps RSS under 250 MB with CACHE_MAX_ENTRIES=100000 (bench/http measured
# 363 MB uncapped, 249 MB capped); raise it with CACHE_MAX_ENTRIES (about 1 KB per entry).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NODE_OPTIONS=--max-old-space-size=128
WORKDIR /app
# Owned by root and not writable by the runtime user: the app writes nothing, so the image is
# safe on a read-only root filesystem (ECS readonlyRootFilesystem; only /tmp is a volume).
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The base image's unprivileged user (uid 1000).
USER node
EXPOSE 3000
# node is PID 1 and handles SIGTERM itself (drain, close, exit 0 within 20 s); on ECS an init
# process (initProcessEnabled) reaps and forwards signals.
STOPSIGNAL SIGTERM
# Same probe as the ECS task definition's container health check (cdktf/constructs/health-check.ts).
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(3000)}).then((r)=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
