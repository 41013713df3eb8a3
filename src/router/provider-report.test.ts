import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamError } from '../chain/upstream-error.js';
import { causesOf, snapshotOf, whyNot, type ReportedProvider, type SnapshotProvider } from './provider-report.js';
import type { ProviderState } from './upstream.js';

const NOW = 10_000;
const BAR = { expectedChainId: 1, maxLag: 3 };

/** A provider in `state` at NOW; each timer says how long until it is asked again. */
function provider(name: string, state: ProviderState, extra: { lastError?: string; lastErrorKind?: UpstreamError['kind'] } = {}): ReportedProvider {
  return {
    name,
    chainId: state === 'wrong-chain' ? 5 : state === 'unknown' ? undefined : 1,
    lag: () => (state === 'lagging' ? 9 : 0),
    lastError: extra.lastError,
    lastErrorKind: extra.lastErrorKind,
    state: (now) => (now === NOW ? state : 'healthy'),
    retryInMs: () => 1200.2,
    coolingForMs: () => 800.5,
    untrustedForMs: () => 59_999.1,
  };
}

describe('whyNot', () => {
  const table: [ProviderState, { lastError?: string; lastErrorKind?: UpstreamError['kind'] }, { kind: string; error: string }][] = [
    ['unknown', {}, { kind: 'unavailable', error: 'chain id unknown' }],
    ['unknown', { lastError: 'connection failed', lastErrorKind: 'connection' }, { kind: 'connection', error: 'chain id unknown: connection failed' }],
    ['wrong-chain', {}, { kind: 'wrong-chain', error: 'on chain 5, expected 1' }],
    ['open', { lastError: 'HTTP 500', lastErrorKind: 'http' }, { kind: 'http', error: 'circuit open for 1201 ms: HTTP 500' }],
    ['cooling', { lastError: 'HTTP 429', lastErrorKind: 'rate-limited' }, { kind: 'rate-limited', error: 'rate limited, cooling for 801 ms' }],
    ['lagging', {}, { kind: 'lagging', error: '9 blocks behind the head (max 3)' }],
    ['untrusted', { lastError: 'proof does not match' }, { kind: 'untrusted', error: 'untrusted for 60000 ms: proof does not match' }],
    ['healthy', {}, { kind: 'unavailable', error: 'no recent head' }],
  ];
  for (const [state, extra, expected] of table) {
    it(`${state}${extra.lastError === undefined ? '' : `, last error ${extra.lastError}`}`, () => {
      assert.deepEqual(whyNot(provider('p', state, extra), NOW, BAR), expected);
    });
  }
});

describe('causesOf', () => {
  it('lists every provider in configured order: failed, not reached, not asked', () => {
    const [a, b, c] = [provider('a', 'healthy'), provider('b', 'healthy'), provider('c', 'lagging')];
    const causes = causesOf({
      providers: [a!, b!, c!],
      failures: new Map([[a!, { kind: 'timeout', error: 'timed out after 2000 ms' }]]),
      tried: [a!, b!],
      now: NOW,
      bar: BAR,
    });
    assert.deepEqual(causes, [
      { name: 'a', kind: 'timeout', error: 'timed out after 2000 ms' },
      { name: 'b', kind: 'unavailable', error: 'not reached before the request deadline' },
      { name: 'c', kind: 'lagging', error: '9 blocks behind the head (max 3)' },
    ]);
  });
});

describe('snapshotOf', () => {
  const snap = (name: string, state: ProviderState, latency: number | undefined): SnapshotProvider => ({
    ...provider(name, state),
    url: `https://${name}.example/v3/***`,
    latest: { number: 100n, hash: '0xab', numberHex: '0x64' },
    latencyEwma: latency,
    p95: () => (latency === undefined ? undefined : latency * 2.123456),
    effectiveLatency: () => latency,
    recent: () => ({ ok: 7, errors: 1, rateLimited: 0 }),
    scoreAt: (_now, best) => (latency === undefined ? 0 : best / latency),
    requests: 8,
    errors: 1,
    lies: 0,
  });
  it('scores healthy providers against the fastest, rounds, and says when the others are asked again', () => {
    const rows = snapshotOf([snap('fast', 'healthy', 10), snap('slow', 'healthy', 30), snap('open', 'open', 5), snap('cool', 'cooling', undefined), snap('liar', 'untrusted', undefined)], NOW);
    assert.deepEqual(
      rows.map((r) => ({ name: r.name, score: r.score, latencyMs: r.latencyMs, p95Ms: r.p95Ms, retryInMs: r.retryInMs })),
      [
        { name: 'fast', score: 0.5, latencyMs: 10, p95Ms: 21.23, retryInMs: undefined },
        { name: 'slow', score: 0.167, latencyMs: 30, p95Ms: 63.7, retryInMs: undefined },
        { name: 'open', score: 0, latencyMs: 5, p95Ms: 10.62, retryInMs: 1201 },
        { name: 'cool', score: 0, latencyMs: undefined, p95Ms: undefined, retryInMs: 801 },
        { name: 'liar', score: 0, latencyMs: undefined, p95Ms: undefined, retryInMs: 60_000 },
      ],
    );
    assert.deepEqual(rows[0], {
      name: 'fast',
      url: 'https://fast.example/v3/***',
      chainId: 1,
      head: '0x64',
      lag: 0,
      score: 0.5,
      state: 'healthy',
      latencyMs: 10,
      p95Ms: 21.23,
      requests: 8,
      errors: 1,
      recent: { ok: 7, errors: 1, rateLimited: 0 },
      retryInMs: undefined,
      lies: 0,
      lastError: undefined,
    });
  });
});
