import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderSnapshot } from '../router/upstream.js';
import { HttpRecorder, LATENCY_BUCKETS, Metrics, ROUTE } from './metrics.js';
import { samples } from '../testing/prometheus-text.js';


const provider = (name: string, state: ProviderSnapshot['state'], score: number): ProviderSnapshot => ({
  name,
  url: 'https://example.com',
  chainId: 1,
  head: '0x10',
  lag: 0,
  score,
  state,
  latencyMs: 25,
  requests: 0,
  errors: 0,
  lastError: undefined,
});

describe('HttpRecorder', () => {
  // [seconds, index of the bucket it lands in (le semantics: value <= bound)]
  const table: [number, number][] = [
    [0, 0],
    [0.0001, 0],
    [0.00010001, 1],
    [0.003, 5],
    [5, LATENCY_BUCKETS.length - 1],
    [60, LATENCY_BUCKETS.length],
  ];
  for (const [seconds, bucket] of table) {
    it(`puts ${seconds} s in bucket ${bucket}`, () => {
      const recorder = new HttpRecorder();
      recorder.record(ROUTE.balance, 200, seconds);
      assert.equal(recorder.buckets.indexOf(1), ROUTE.balance * (LATENCY_BUCKETS.length + 1) + bucket);
    });
  }
});

describe('Metrics', () => {
  it('exposes requests by route and status and a cumulative latency histogram', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.http.record(ROUTE.balance, 200, 0.00005);
    metrics.http.record(ROUTE.balance, 200, 0.002);
    metrics.http.record(ROUTE.balance, 502, 1.2);
    metrics.http.record(ROUTE.unmatched, 404, 0.0001);
    metrics.http.record(ROUTE.balance, 418, 0.0001);
    const m = samples(await metrics.text());
    const expected: [string, number][] = [
      ['balance_api_http_requests_total{route="balance",status="200"}', 2],
      ['balance_api_http_requests_total{route="balance",status="502"}', 1],
      ['balance_api_http_requests_total{route="balance",status="other"}', 1],
      ['balance_api_http_requests_total{route="unmatched",status="404"}', 1],
      ['balance_api_http_request_duration_seconds_bucket{route="balance",le="0.0001"}', 2],
      ['balance_api_http_request_duration_seconds_bucket{route="balance",le="0.0025"}', 3],
      ['balance_api_http_request_duration_seconds_bucket{route="balance",le="1"}', 3],
      ['balance_api_http_request_duration_seconds_bucket{route="balance",le="2.5"}', 4],
      ['balance_api_http_request_duration_seconds_bucket{route="balance",le="+Inf"}', 4],
      ['balance_api_http_request_duration_seconds_count{route="balance"}', 4],
      ['balance_api_http_request_duration_seconds_count{route="unmatched"}', 1],
    ];
    for (const [name, value] of expected) assert.equal(m.get(name), value, name);
    assert.ok(Math.abs(m.get('balance_api_http_request_duration_seconds_sum{route="balance"}')! - 1.20215) < 1e-9);
    // Routes never seen stay out, except the balance route (so rate() has a series from the start).
    assert.equal(m.get('balance_api_http_request_duration_seconds_count{route="readyz"}'), undefined);
  });

  it('counts upstream calls by provider, method and outcome', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.onUpstreamCall('alchemy', 'eth_getBalance', 'ok', 40);
    metrics.onUpstreamCall('alchemy', 'eth_getBalance', 'timeout', 2000);
    metrics.onUpstreamCall('infura-1', 'eth_getBlockByNumber', 'rate-limited', 5);
    const m = samples(await metrics.text());
    assert.equal(m.get('balance_api_upstream_calls_total{provider="alchemy",method="eth_getBalance",outcome="ok"}'), 1);
    assert.equal(m.get('balance_api_upstream_calls_total{provider="alchemy",method="eth_getBalance",outcome="timeout"}'), 1);
    assert.equal(m.get('balance_api_upstream_calls_total{provider="infura-1",method="eth_getBlockByNumber",outcome="rate-limited"}'), 1);
    assert.equal(m.get('balance_api_upstream_call_duration_seconds_count{provider="alchemy",method="eth_getBalance"}'), 2);
    assert.equal(m.get('balance_api_upstream_call_duration_seconds_bucket{le="0.05",provider="alchemy",method="eth_getBalance"}'), 1);
  });

  it('counts each call of a shared round trip, with one duration sample for the round trip', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.onUpstreamCall('alchemy', 'eth_getBalance', 'ok', 40, 100);
    metrics.onUpstreamCall('alchemy', 'eth_getBalance', 'ok', 30);
    const m = samples(await metrics.text());
    assert.equal(m.get('balance_api_upstream_calls_total{provider="alchemy",method="eth_getBalance",outcome="ok"}'), 101);
    assert.equal(m.get('balance_api_upstream_call_duration_seconds_count{provider="alchemy",method="eth_getBalance"}'), 2);
  });

  it('reads cache, provider, head and pool state at scrape time', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const stats = { hits: 7, misses: 3, coalesced: 2, evictions: 1 };
    let providers = [provider('a', 'healthy', 0.9), provider('b', 'open', 0)];
    metrics.watch({
      cache: { stats, size: 42 },
      upstream: {
        snapshot: () => providers,
        lastHead: () => ({ head: { number: 19_000_000n, hash: `0x${'1'.repeat(64)}`, numberHex: '0x121eac0' }, ageMs: 1500 }),
      },
      codec: { stats: () => ({ workers: 2, queued: 5, utilization: 0.25 }) },
    });
    let m = samples(await metrics.text());
    const expected: [string, number][] = [
      ['balance_api_cache_hits_total', 7],
      ['balance_api_cache_misses_total', 3],
      ['balance_api_cache_coalesced_total', 2],
      ['balance_api_cache_evictions_total', 1],
      ['balance_api_cache_entries', 42],
      ['balance_api_head_block_number', 19_000_000],
      ['balance_api_head_age_seconds', 1.5],
      ['balance_api_provider_score{provider="a"}', 0.9],
      ['balance_api_provider_latency_seconds{provider="a"}', 0.025],
      ['balance_api_provider_state{provider="a",state="healthy"}', 1],
      ['balance_api_provider_state{provider="a",state="open"}', 0],
      ['balance_api_provider_state{provider="b",state="open"}', 1],
      ['balance_api_provider_state{provider="b",state="healthy"}', 0],
      ['balance_api_codec_pool_workers', 2],
      ['balance_api_codec_pool_queue_size', 5],
      ['balance_api_codec_pool_utilization', 0.25],
    ];
    for (const [name, value] of expected) assert.equal(m.get(name), value, name);
    stats.hits = 8;
    providers = [provider('a', 'cooling', 0.3), provider('b', 'healthy', 1)];
    m = samples(await metrics.text());
    assert.equal(m.get('balance_api_cache_hits_total'), 8);
    assert.equal(m.get('balance_api_provider_state{provider="a",state="cooling"}'), 1);
    assert.equal(m.get('balance_api_provider_state{provider="b",state="healthy"}'), 1);
  });
});
