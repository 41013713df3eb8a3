/**
 * The real app over three synced anvil nodes, one lagging node and one on another chain, each
 * behind a fault proxy. One provider at a time misbehaves; clients must see only correct 200s.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Fault } from '../testing/fault-proxy.js';
import { drive, eventually, FAKE_KEY, FAKE_TOKEN, randomAddress, startRouterFixture, type RouterFixture } from '../testing/router-fixture.js';
import { percentile } from '../testing/stats.js';
import type { ProviderSnapshot } from './upstream.js';

let fx: RouterFixture;

before(async () => {
  fx = await startRouterFixture({ synced: 3, laggingBy: 5, foreignChainId: 999 });
});
after(async () => {
  await fx?.close();
});
beforeEach(async () => {
  fx.heal();
  await fx.cluster.stopMining();
  // Every synced provider usable again before the next fault (a breaker may still be cooling down).
  // Probes ride on head polls, which only happen while requests flow: keep a trickle going.
  const ok = await eventually(async () => {
    await fx.app.get(`/address/balance/${randomAddress()}`);
    return (await fx.providers()).filter((p) => p.state === 'healthy').length === 3;
  }, 30_000, 200);
  assert.ok(ok, `providers did not recover: ${JSON.stringify(await fx.providers())}`);
});

/** The synced provider reads go to first right now. */
async function primary(): Promise<string> {
  const providers = (await fx.providers()).filter((p) => p.state === 'healthy');
  providers.sort((a, b) => b.score - a.score);
  return providers[0]!.name;
}

const reads = (name: string) => fx.proxies[name]!.calls.get('eth_getBalance') ?? 0;

/** The provider's eth_getBalance calls by outcome, from /metrics. */
async function upstreamReads(name: string): Promise<Record<string, number>> {
  const text = (await fx.app.get('/metrics')).body as string;
  const prefix = `balance_api_upstream_calls_total{provider="${name}",method="eth_getBalance",outcome="`;
  const outcomes: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const [label, value] = line.slice(prefix.length).split('"} ');
    outcomes[label!] = Number(value);
  }
  return outcomes;
}

/** Demoted: its circuit is open, or it scores below every other synced provider. */
async function demoted(name: string): Promise<boolean> {
  const providers = (await fx.providers()).slice(0, 3);
  const p = providers.find((x) => x.name === name)!;
  return p.state === 'open' || providers.every((x) => x.name === name || x.score > p.score);
}

async function underFault(name: string, fault: Fault, requests = 400) {
  fx.cluster.startMining(300);
  fx.proxies[name]!.set({ fault });
  const result = await drive(fx.app, fx.cluster, { requests, concurrency: 16 });
  await fx.cluster.stopMining();
  assert.deepEqual({ statuses: Object.fromEntries(result.statuses), problems: result.problems }, { statuses: { 200: requests }, problems: [] });
  return result;
}

describe('provider router in the app', () => {
  it('reads exact balances at the head from the synced nodes only', async () => {
    fx.cluster.startMining(250);
    const result = await drive(fx.app, fx.cluster, { requests: 300, concurrency: 16 });
    await fx.cluster.stopMining();
    assert.deepEqual({ statuses: Object.fromEntries(result.statuses), problems: result.problems }, { statuses: { 200: 300 }, problems: [] });
    assert.equal(reads('lag'), 0, 'the lagging node is never read from');
    assert.equal(reads('other'), 0, 'the foreign-chain node is never read from');

    const body = (await fx.app.get('/providers')).body as { network: string; providers: ProviderSnapshot[] };
    assert.deepEqual(
      body.providers.map((p) => ({ name: p.name, url: p.url.replace(/:\d+\//, ':PORT/'), chainId: p.chainId, state: p.state })),
      [
        { name: 'a', url: 'http://127.0.0.1:PORT/v3/***?***', chainId: 31337, state: 'healthy' },
        { name: 'b', url: 'http://127.0.0.1:PORT/v3/***?***', chainId: 31337, state: 'healthy' },
        { name: 'c', url: 'http://127.0.0.1:PORT/v3/***?***', chainId: 31337, state: 'healthy' },
        { name: 'lag', url: 'http://127.0.0.1:PORT/v3/***?***', chainId: 31337, state: 'lagging' },
        { name: 'other', url: 'http://127.0.0.1:PORT/v3/***?***', chainId: 999, state: 'wrong-chain' },
      ],
    );
    assert.equal(body.network, 'devnet');
    assert.ok(body.providers[3]!.lag! > 3, `lag ${body.providers[3]!.lag}`);
    for (const p of body.providers.slice(0, 3)) assert.ok(p.score > 0 && p.lag! <= 3 && p.head !== undefined, JSON.stringify(p));
    const text = JSON.stringify(body);
    assert.ok(!text.includes(FAKE_KEY) && !text.includes(FAKE_TOKEN), 'no secret on /providers');
  });

  it('fails over when the primary returns HTTP 500', async () => {
    const name = await primary();
    await underFault(name, { kind: 'status', status: 500 });
    assert.equal((await fx.provider(name)).lastError, 'HTTP 500');
    assert.ok(await demoted(name), JSON.stringify(await fx.provider(name)));
  });

  it('fails over when the primary resets connections', async () => {
    const name = await primary();
    await underFault(name, { kind: 'reset' });
    assert.match((await fx.provider(name)).lastError!, /^connection failed/);
    assert.ok(await demoted(name), JSON.stringify(await fx.provider(name)));
  });

  it('fails over when the primary answers malformed JSON', async () => {
    const name = await primary();
    await underFault(name, { kind: 'garbage' });
    assert.equal((await fx.provider(name)).lastError, 'invalid JSON in reply');
    assert.ok(await demoted(name), JSON.stringify(await fx.provider(name)));
  });

  it('keeps the median near healthy while the primary hangs', async (t) => {
    const healthy = await drive(fx.app, fx.cluster, { requests: 300, concurrency: 16, missShare: 1 });
    const name = await primary();
    const before = reads(name);
    const hung = await underFault(name, { kind: 'hang' }, 600);
    t.diagnostic(`p50 under hang ${percentile(hung.latenciesMs, 50).toFixed(1)} ms (healthy ${percentile(healthy.latenciesMs, 50).toFixed(1)} ms)`);
    // No client waited out the 2000 ms timeout: every read the hung provider got was overtaken by a hedge.
    const outcomes = await upstreamReads(name);
    assert.deepEqual({ timeout: outcomes.timeout ?? 0, hedged: (outcomes.hedge ?? 0) > 0 }, { timeout: 0, hedged: true });
    // Traffic moved: the hung provider saw only a sliver of the reads.
    assert.ok(reads(name) - before < 150, `hung provider got ${reads(name) - before} reads`);
  });

  it('moves traffic off a provider answering HTTP 429 with Retry-After, cooling it without calling it broken', async () => {
    const name = await primary();
    await underFault(name, { kind: 'http-429', retryAfterSeconds: 2 }, 200);
    const p = await fx.provider(name);
    assert.equal(p.state, 'cooling');
    assert.ok(p.retryInMs! > 0 && p.retryInMs! <= 2000, `retryInMs ${p.retryInMs}`);
    assert.equal(p.lastError, 'HTTP 429');
    fx.heal();
    assert.ok(await eventually(async () => (await fx.provider(name)).state === 'healthy', 5000), 'back after the Retry-After');
  });

  it('cools a provider answering JSON-RPC -32005 for its backoff_seconds', async () => {
    const name = await primary();
    const before = reads(name);
    await underFault(name, { kind: 'rpc-429', backoffSeconds: 3 }, 300);
    const p = await fx.provider(name);
    assert.equal(p.state, 'cooling');
    assert.ok(p.retryInMs! > 1000 && p.retryInMs! <= 3000, `retryInMs ${p.retryInMs}`);
    assert.match(p.lastError!, /^rate limited: /);
    // Traffic left at once: the first batch was limited, then nothing until the cooldown ends.
    assert.ok(reads(name) - before < 40, `${reads(name) - before} reads to a cooling provider`);
  });

  it('stays fast when the primary turns slow', async (t) => {
    const name = await primary();
    const before = Object.fromEntries(Object.keys(fx.proxies).map((n) => [n, reads(n)]));
    const slow = await underFault(name, { kind: 'delay', ms: 400 }, 400);
    t.diagnostic(JSON.stringify({ name, p50: percentile(slow.latenciesMs, 50), p90: percentile(slow.latenciesMs, 90), reads: Object.fromEntries(Object.keys(fx.proxies).map((n) => [n, reads(n) - before[n]!])) }));
    // Clients did not wait for the slow provider: its reads were overtaken by hedges, and traffic moved off it.
    const outcomes = await upstreamReads(name);
    assert.deepEqual({ timeout: outcomes.timeout ?? 0, hedged: (outcomes.hedge ?? 0) > 0 }, { timeout: 0, hedged: true });
    assert.ok(reads(name) - before[name]! < 150, `slow provider got ${reads(name) - before[name]!} reads`);
  });

  it('skips a provider that does not have the pinned block without marking it broken', async () => {
    const name = await primary();
    fx.proxies[name]!.set({ fault: { kind: 'rpc-error', code: -32001, message: 'Resource not found' }, methods: ['eth_getBalance'] });
    const result = await drive(fx.app, fx.cluster, { requests: 200, concurrency: 8, missShare: 1 });
    assert.deepEqual({ statuses: Object.fromEntries(result.statuses), problems: result.problems }, { statuses: { 200: 200 }, problems: [] });
    const p = await fx.provider(name);
    assert.deepEqual({ state: p.state, lastError: p.lastError }, { state: 'healthy', lastError: 'Resource not found' });
  });

  it('answers 502 naming every provider when all of them fail, waiting on a hung one once at most', async () => {
    for (const name of ['a', 'b', 'c']) fx.proxies[name]!.set({ kind: 'status', status: 503 });
    fx.proxies.lag!.set({ kind: 'hang' });
    // Never asked before, so no cached answer can stand in.
    const address = randomAddress();
    const before = reads('lag');
    const res = await fx.app.get(`/address/balance/${address}`);
    // The synced providers fail fast (below); the hung one held the answer for one call at most.
    assert.ok(reads('lag') - before <= 1, `the hung provider was asked ${reads('lag') - before} times`);
    const body = res.body as { providers: { name: string; kind: string; error: string }[] };
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(
      { ...body, detail: undefined, providers: body.providers.map((p) => ({ name: p.name, kind: p.kind })) },
      {
        type: '/problems/upstream-unavailable',
        title: 'Upstream providers failed',
        status: 502,
        code: 'UPSTREAM_UNAVAILABLE',
        detail: undefined,
        instance: `/address/balance/${address}`,
        providers: [
          { name: 'a', kind: 'http' },
          { name: 'b', kind: 'http' },
          { name: 'c', kind: 'http' },
          { name: 'lag', kind: body.providers[3]!.kind },
          { name: 'other', kind: 'wrong-chain' },
        ],
      },
    );
    assert.ok(['lagging', 'timeout'].includes(body.providers[3]!.kind), body.providers[3]!.kind);
    for (const p of body.providers.slice(0, 3)) assert.match(p.error, /HTTP 503/);
    const text = JSON.stringify(body);
    assert.ok(!text.includes(FAKE_KEY) && !text.includes(FAKE_TOKEN), 'no secret in the 502 body');
  });

  it('gives a recovered provider traffic again within 30 s', async () => {
    const name = await primary();
    fx.proxies[name]!.set({ kind: 'status', status: 500 });
    // Head polls keep failing on it while traffic flows: three in a row open its circuit.
    const opened = await eventually(async () => {
      await drive(fx.app, fx.cluster, { requests: 20, concurrency: 4, missShare: 1 });
      return (await fx.provider(name)).state === 'open';
    }, 15_000);
    assert.ok(opened, JSON.stringify(await fx.provider(name)));
    fx.heal();
    const healedAt = Date.now();
    const before = reads(name);
    let stop = false;
    const traffic = (async () => {
      while (!stop) await drive(fx.app, fx.cluster, { requests: 50, concurrency: 4, missShare: 1 });
    })();
    const back = await eventually(() => reads(name) > before + 5, 30_000, 100);
    stop = true;
    await traffic;
    assert.ok(back, `no reads reached ${name} within 30 s of healing`);
    assert.ok(Date.now() - healedAt < 30_000);
  });
});
