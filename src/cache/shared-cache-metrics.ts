/**
 * Prometheus metrics of the shared cache, read from its counters at scrape time (nothing is
 * recorded per request beyond a field increment). Registered only when REDIS_URL is set.
 */
import type { Registry } from 'prom-client';
import { registerCollected, type Sample } from '../observability/collected-metric.js';
import type { BreakerState } from '../resilience/breaker.js';
import { SHARED_CACHE_ERROR_KINDS } from './shared-cache-errors.js';
import type { SharedCacheStats } from './shared-cache.js';

export interface SharedCacheSource {
  readonly stats: Readonly<SharedCacheStats>;
  breakerState(): BreakerState;
  connectionStatus(): string;
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

export function registerSharedCacheMetrics(registry: Registry, cache: SharedCacheSource): void {
  const add = (name: string, help: string, type: 'counter' | 'gauge', read: () => Sample[]) => registerCollected(registry, name, help, type, read);
  const counter = (name: string, help: string, read: () => number) => add(name, help, 'counter', () => [{ value: read() }]);
  const { stats } = cache;
  counter('balance_api_shared_cache_hits_total', 'In-process misses answered from the shared cache (directly or handed over by the task that read it)', () => stats.hits);
  counter('balance_api_shared_cache_misses_total', 'Shared-cache lookups that found nothing and read upstream (holding the fill lock)', () => stats.misses);
  counter('balance_api_shared_cache_coalesced_waits_total', 'Lookups that found another task reading the same balance and waited for its answer', () => stats.coalescedWaits);
  counter('balance_api_shared_cache_wait_timeouts_total', 'Waits that ended without an answer (timeout or the other read failed): read upstream instead', () => stats.waitTimeouts);
  counter('balance_api_shared_cache_fills_total', 'Entries written to the shared cache', () => stats.fills);
  counter('balance_api_shared_cache_bypassed_total', 'Lookups that skipped Redis because its breaker was open', () => stats.bypassed);
  add('balance_api_shared_cache_errors_total', 'Shared-cache failures by kind (timeout, connection, reply, protocol, poison); each one only means an upstream read', 'counter', () =>
    SHARED_CACHE_ERROR_KINDS.map((kind) => ({ value: stats.errors[kind], labels: { kind } })),
  );
  add('balance_api_shared_cache_breaker_state', 'Shared-cache breaker: 1 for the current state (closed, open, half-open)', 'gauge', () => {
    const current = cache.breakerState();
    return BREAKER_STATES.map((state) => ({ value: state === current ? 1 : 0, labels: { state } }));
  });
  add('balance_api_shared_cache_connected', '1 while the connection to Redis is ready', 'gauge', () => [{ value: cache.connectionStatus() === 'ready' ? 1 : 0 }]);
}
