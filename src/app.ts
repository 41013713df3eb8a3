/**
 * Wires the parts together and owns their lifetimes. main.ts runs it as a process; tests start it
 * in-process on port 0.
 */
import { getHeapStatistics } from 'node:v8';
import { BalanceReader } from './balance/balance-reader.js';
import { BalanceCache } from './cache/balance-cache.js';
import { AddressMemo } from './codec/address.js';
import { createCodec, proofRunner, type CodecRunner } from './codec/codec-pool.js';
import type { Config } from './config/config.js';
import { errorLogFields } from './errors.js';
import { createServer, type RunningServer } from './http/server.js';
import type { Logger } from './observability/logger.js';
import { Metrics, SERVICE_VERSION } from './observability/metrics.js';
import { createTracing } from './observability/tracing.js';
import { ProviderRouter } from './router/provider-router.js';
import type { CallObserver, Upstream } from './router/upstream.js';
import type { SharedCache } from './cache/shared-cache.js';
import { proofVerifier } from './verify/proof-task.js';

export interface App {
  readonly port: number;
  /** Port of /metrics when ADMIN_PORT is set (otherwise /metrics is on `port`). */
  readonly adminPort: number | undefined;
  readonly config: Config;
  readonly upstream: Upstream;
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
  const metrics = new Metrics();
  const tracing = await createTracing(config, log, SERVICE_VERSION);
  const traced = tracing.onUpstreamCall;
  const onCall: CallObserver =
    traced === undefined
      ? metrics.onUpstreamCall
      : (provider, method, outcome, latencyMs, calls) => {
          metrics.onUpstreamCall(provider, method, outcome, latencyMs, calls);
          traced(provider, method, outcome, latencyMs, calls);
        };
  const codec = createCodec(config.workers);
  const verifyProof = codec.pooled ? proofVerifier(proofRunner(codec)) : undefined;
  const upstream: Upstream = new ProviderRouter(config, log, { onCall, verifyProof });
  const cache = new BalanceCache(config.cacheTtlSeconds, config.cacheMaxEntries);
  const memo = new AddressMemo(config.addressChecksum);
  const sharedCache = await startSharedCache(config, log, metrics);
  const reader = new BalanceReader(upstream, cache, sharedCache, codec);
  metrics.watch({ cache, upstream, codec });
  let server: RunningServer | undefined;
  try {
    // Serve even when no provider answers yet: /healthz keeps the task alive, /readyz says 503, and
    // requests get 502 until a provider recovers.
    await upstream.start().catch((error: unknown) => log.error(errorLogFields(error), 'no usable provider at start'));
    // Learn the head before taking traffic, so the first request does not pay for it.
    await upstream.head().catch((error: unknown) => log.warn(errorLogFields(error), 'no head yet'));
    // A single address check (~1.5 us) never pays for a thread hop: only batches go to the pool.
    server = await createServer({ config, service: reader, balances: reader, upstream, memo, codec, inlineChecks: true, log, metrics, tracing }).listen();
  } catch (error) {
    await Promise.allSettled([upstream.close(), codec.close(), tracing.shutdown(), sharedCache?.close()]);
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
    cache,
    metrics,
    codec,
    sharedCache,
    shutdown: () =>
      (shutdown ??= (async () => {
        running.stopAccepting();
        const drained = await running.drain(config.shutdownTimeoutMs);
        if (!drained) log.warn({ inflight: running.inflight() }, 'shutdown timeout: abandoning in-flight requests');
        running.close();
        await Promise.allSettled([codec.close(), upstream.close(), tracing.shutdown(), sharedCache?.close()]);
        return { drained };
      })()),
  };
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
