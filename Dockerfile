# syntax=docker/dockerfile:1.7
# balance-api image. Multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .`
# Node 20 on Debian 12 is required: the uWebSockets.js binary needs Node 20 and glibc <= 2.36.
# Pin by digest in CI (node:20-bookworm-slim@sha256:...) once Renovate/Dependabot tracks it.
ARG NODE_IMAGE=node:20-bookworm-slim

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
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# uWebSockets.js ships ~90 MB of binaries for every platform and silently falls back to a slow
# JavaScript server when its own cannot load. Keep only this platform's Node 20 binary and load it
# here, so an incompatible base image (glibc, architecture) fails the build instead of production.
RUN node -e "const fs=require('node:fs');const dir='node_modules/uWebSockets.js/binaries';const keep='uws_'+process.platform+'_'+process.arch+'_'+process.versions.modules+'.node';for(const f of fs.readdirSync(dir))if(f!==keep)fs.rmSync(dir+'/'+f);require('./'+dir+'/'+keep);console.log('uWebSockets.js native: '+keep)"

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
