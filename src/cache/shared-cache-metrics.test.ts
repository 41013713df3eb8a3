import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { registerSharedCacheMetrics } from './shared-cache-metrics.js';

describe('shared cache metrics', () => {
  it('expose hits, misses, errors by kind, coalesced waits and the breaker state at scrape time', async () => {
    const stats = { hits: 5, misses: 2, coalescedWaits: 3, waitTimeouts: 1, fills: 2, bypassed: 4, errors: { timeout: 6, connection: 0, reply: 0, protocol: 0, poison: 1 } };
    const registry = new Registry();
    registerSharedCacheMetrics(registry, { stats, breakerState: () => 'open', connectionStatus: () => 'reconnecting' });
    stats.hits = 7;
    const text = await registry.metrics();
    const samples = text.split('\n').filter((line) => line.startsWith('balance_api_shared_cache_'));
    assert.deepEqual(samples, [
      'balance_api_shared_cache_hits_total 7',
      'balance_api_shared_cache_misses_total 2',
      'balance_api_shared_cache_coalesced_waits_total 3',
      'balance_api_shared_cache_wait_timeouts_total 1',
      'balance_api_shared_cache_fills_total 2',
      'balance_api_shared_cache_bypassed_total 4',
      'balance_api_shared_cache_errors_total{kind="timeout"} 6',
      'balance_api_shared_cache_errors_total{kind="connection"} 0',
      'balance_api_shared_cache_errors_total{kind="reply"} 0',
      'balance_api_shared_cache_errors_total{kind="protocol"} 0',
      'balance_api_shared_cache_errors_total{kind="poison"} 1',
      'balance_api_shared_cache_breaker_state{state="closed"} 0',
      'balance_api_shared_cache_breaker_state{state="open"} 1',
      'balance_api_shared_cache_breaker_state{state="half-open"} 0',
      'balance_api_shared_cache_connected 0',
    ]);
    assert.match(text, /# TYPE balance_api_shared_cache_errors_total counter/);
  });
});
