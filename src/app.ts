/**
 * Wires the parts together and owns their lifetimes. main.ts runs it as a process; tests start it
 * in-process on port 0.
 */
import { getHeapStatistics } from 'node:v8';
import { buildNetworks } from './app-networks.js';
import type { Networks } from './balance/served-networks.js';
import { BalanceCache } from './cache/balance-cache.js';
import { AddressMemo } from './codec/address.js';
import { createCodec, proofRunner, type CodecRunner } from './codec/codec-pool.js';
import type { Config } from './config/config.js';
import { errorLogFields } from './errors.js';
import { createServer, type RunningServer } from './http/server.js';
import type { Logger } from './observability/logger.js';
import { Metrics, SERVICE_VERSION } from './observability/metrics.js';
import { createTracing } from './observability/tracing.js';
import { registerRetryMetrics } from './router/retry-metrics.js';
import { createRetryShared } from './router/retry-policy.js';
import type { CallObserver, Upstream } from './router/upstream.js';
import type { SharedCache } from './cache/shared-cache.js';
import { watchNetworks } from './watch/watch-networks.js';
import { proofVerifier } from './verify/proof-task.js';

export interface App {
  readonly port: number;
  /** Port of /metrics when ADMIN_PORT is set (otherwise /metrics is on `port`). */
  readonly adminPort: number | undefined;
  readonly config: Config;
  /** The default network's router. */
  readonly upstream: Upstream;
  /** Every served network (NETWORKS, or the one network), the default first. */
  readonly networks: Networks;
  readonly cache: BalanceCache;
  readonly metrics: Metrics;
  /** Inline or the worker pool (WORKERS); its counts tell where the heavy work ran. */
  readonly codec: CodecRunner;
  /** The shared Redis level when REDIS_URL is set. */
  readonly sharedCache: SharedCache | undefined;
  /** Stop accepting, finish in-flight requests (bounded), close pool and upstream connections. */
  shutdown(): Promise<{ drained: boolean }>;
}

/** Heap one cache entry needs with its memoized address, measured by bench/http (~0.9 KB). */
const HEAP_BYTES_PER_ENTRY = 1024;

/** Warns when CACHE_MAX_ENTRIES cannot fit under the V8 heap cap (npm start: HEAP_MB; image: NODE_OPTIONS). */
function checkHeapFits(config: Config, log: Logger): void {
  const limitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const needMb = Math.round((config.cacheMaxEntries * HEAP_BYTES_PER_ENTRY) / 2 ** 20) + 48;
  if (needMb > limitMb) {
    log.warn(
      { cacheMaxEntries: config.cacheMaxEntries, heapLimitMb: limitMb, neededMb: needMb },
      'the cache bound may not fit the V8 heap: raise HEAP_MB (npm start) or --max-old-space-size in NODE_OPTIONS',
    );
  }
}

/**
 * Starts the service over `config.providers` (whether any must be configured is the entry point's
 * rule: run-service.ts). Knows nothing of local chains.
 */
export async function startApp(config: Config, log: Logger): Promise<App> {
  const metrics = new Metrics({ networkLabel: config.networks !== undefined });
  const tracing = await createTracing(config, log, SERVICE_VERSION);
  const traced = tracing.onUpstreamCall;
  const observer = (network: string): CallObserver => {
    const counted = metrics.upstreamObserver(network);
    return traced === undefined
      ? counted
      : (provider, method, outcome, latencyMs, calls) => {
          counted(provider, method, outcome, latencyMs, calls);
          traced(provider, method, outcome, latencyMs, calls);
        };
  };
  // One retry budget for the whole process, however many networks' routers it runs.
  const retry = createRetryShared(config.retry);
  registerRetryMetrics(metrics.registry, retry.stats, retry.budget);
  const cache = new BalanceCache(config.cacheTtlSeconds, config.cacheMaxEntries);
  const codec = createCodec(config.workers);
  const verifyProof = codec.pooled ? proofVerifier(proofRunner(codec)) : undefined;
  const memo = new AddressMemo(config.addressChecksum);
  const sharedCache = await startSharedCache(config, log, metrics);
  const networks = await buildNetworks({ config, log, cache, sharedCache, observer, retry, codec, verifyProof });
  const upstream = networks.default.router;
  const closeRouters = () => Promise.allSettled(networks.all.map((n) => n.router.close()));
  metrics.watch({ cache, networks: networks.all, codec });
  let server: RunningServer | undefined;
  try {
    // Serve even when no provider answers yet: /healthz keeps the task alive, /readyz says 503, and
    // requests get 502 until a provider recovers. Networks start side by side: one down holds up no other.
    await Promise.all(networks.all.map((n) => startNetwork(n.router, log, n.name)));
    // A single address check (~1.5 us) never pays for a thread hop: only batches and proofs go to the pool.
    server = await createServer({ config, networks, memo, codec, inlineChecks: true, log, metrics, tracing, watch: watchNetworks(networks) }).listen();
  } catch (error) {
    await Promise.allSettled([closeRouters(), codec.close(), tracing.shutdown(), sharedCache?.close()]);
    throw error;
  }
  const running = server;
  checkHeapFits(config, log);
  log.info(
    {
      port: running.port,
      adminPort: running.adminPort,
      host: config.host,
      network: upstream.network(),
      networks: networks.names,
      providers: config.providers.length,
      // Which protections are on, so an operator can tell from the first lines (never the keys).
      rateLimitRps: config.rateLimitRps,
      apiKeys: config.apiKeys.map((k) => k.name),
      trustedProxyHops: config.trustedProxyHops,
      corsOrigins: config.corsOrigins.length,
      tracing: tracing.enabled,
      sharedCache: config.sharedCache?.redactedUrl,
    },
    'listening',
  );

  let shutdown: Promise<{ drained: boolean }> | undefined;
  return {
    port: running.port,
    adminPort: running.adminPort,
    config,
    upstream,
    networks,
    cache,
    metrics,
    codec,
    sharedCache,
    shutdown: () =>
      (shutdown ??= (async () => {
        running.stopAccepting();
        // Watchers reconnect to another task during a blue/green shift.
        running.watch?.close();
        const drained = await running.drain(config.shutdownTimeoutMs);
        if (!drained) log.warn({ inflight: running.inflight() }, 'shutdown timeout: abandoning in-flight requests');
        running.close();
        await Promise.allSettled([codec.close(), closeRouters(), tracing.shutdown(), sharedCache?.close()]);
        return { drained };
      })()),
  };
}

/** Checks a network's providers and learns its head before traffic, so the first request does not pay for it. */
async function startNetwork(router: Upstream, log: Logger, name: string): Promise<void> {
  const fields = (error: unknown) => ({ network: name, ...errorLogFields(error) });
  await router.start().catch((error: unknown) => log.error(fields(error), 'no usable provider at start'));
  await router.head().catch((error: unknown) => log.warn(fields(error), 'no head yet'));
}

/**
 * The shared Redis level, or undefined when REDIS_URL is unset: then not even the module (and
 * ioredis) is loaded. It connects in the background and never holds up the start or /readyz:
 * Redis is a cache, never a dependency.
 */
async function startSharedCache(config: Config, log: Logger, metrics: Metrics): Promise<SharedCache | undefined> {
  const settings = config.sharedCache;
  if (settings === undefined) return undefined;
  const [{ SharedCache }, { registerSharedCacheMetrics }] = await Promise.all([
    import('./cache/shared-cache.js'),
    import('./cache/shared-cache-metrics.js'),
  ]);
  const shared = new SharedCache({ config: settings, upstreamTimeoutMs: config.upstreamTimeoutMs, logger: log });
  registerSharedCacheMetrics(metrics.registry, shared);
  shared.start();
  return shared;
}
