/**
 * Retry with backoff end to end: the real app over real anvil nodes behind real fault proxies.
 * Everything is counted (upstream calls the proxies saw, the service's retry counters), never timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type AnvilCluster } from '../testing/anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { samples } from '../testing/prometheus-text.js';
import { coldAddress, runRandomFailures } from '../testing/random-failures.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';

interface Rig {
  readonly cluster: AnvilCluster;
  readonly proxies: FaultProxy[];
  readonly app: TestApp;
  close(): Promise<void>;
}

async function rig(providers: number, env: Record<string, string> = {}, seed?: number): Promise<Rig> {
  const cluster = await startCluster({ synced: providers });
  const proxies = await Promise.all(cluster.synced.map((n) => startFaultProxy(n.url, { gate: cluster.gateOf(n.url), seed })));
  const app = await startTestApp({
    RPC_URLS: proxies.map((p, i) => `${String.fromCharCode(97 + i)}=${p.url}`).join(','),
    EXPECTED_CHAIN_ID: String(cluster.chainId),
    ...env,
  });
  return {
    cluster,
    proxies,
    app,
    close: async () => {
      for (const p of proxies) p.set({ kind: 'pass' });
      await app.shutdown();
      await Promise.all(proxies.map((p) => p.close()));
      await cluster.stop();
    },
  };
}

const balanceCalls = (r: Rig) => r.proxies.reduce((n, p) => n + (p.calls.get('eth_getBalance') ?? 0), 0);
const metric = async (r: Rig, name: string) => samples((await r.app.get('/metrics')).body as string).get(name) ?? 0;

describe('retry rounds against one provider failing at random (seeded, 300 cold GETs at concurrency 10)', () => {
  // One call per HTTP request (UPSTREAM_BATCH_MAX=1), so every attempt meets its own seeded draw.
  it('at 10 % failures, at least 99.5 % of answers are 200, with the default RETRY_MAX_ROUNDS', async () => {
    const report = await runRandomFailures({ rate: 0.1, seed: 1, requests: 300, concurrency: 10, env: { UPSTREAM_BATCH_MAX: '1' } });
    assert.ok(report.ok >= 0.995, JSON.stringify(report));
    assert.ok(report.recovered > 0 && report.balanceCalls > 300, JSON.stringify(report));
  });

  it('at 30 % failures, at least 97 % of answers are 200 with three rounds (two leave 0.3^3 = 2.7 % to chance)', async () => {
    const report = await runRandomFailures({ rate: 0.3, seed: 1, requests: 300, concurrency: 10, env: { UPSTREAM_BATCH_MAX: '1', RETRY_MAX_ROUNDS: '3' } });
    assert.ok(report.ok >= 0.97, JSON.stringify(report));
    assert.equal(report.budgetExhausted, 0, 'the budget floor covers a quiet service');
  });

  it('without retry rounds the same faults fail about 30 % of reads (the measurement can fail)', async () => {
    const report = await runRandomFailures({ rate: 0.3, seed: 1, requests: 100, concurrency: 10, env: { UPSTREAM_BATCH_MAX: '1', RETRY_MAX_ROUNDS: '0' } });
    assert.ok(report.ok < 0.9, JSON.stringify(report));
    assert.equal(report.retryRounds, 0);
  });
});

describe('retry rounds and back-offs in the app', () => {
  let one: Rig;
  let three: Rig;
  before(async () => {
    one = await rig(1);
    three = await rig(3, { REQUEST_DEADLINE_MS: '800' });
  });
  after(async () => {
    await one?.close();
    await three?.close();
  });

  it('a provider backing off past the deadline: 502 at once with Retry-After, and not asked again', async () => {
    one.proxies[0]!.set({ fault: { kind: 'rpc-429', backoffSeconds: 30 }, methods: ['eth_getBalance'] });
    one.proxies[0]!.reset();
    const first = await one.app.get(`/address/balance/${coldAddress(7, 1)}`);
    const second = await one.app.get(`/address/balance/${coldAddress(7, 2)}`);
    assert.deepEqual(
      [first.status, first.headers.get('retry-after'), first.body.code, second.status, second.body.code],
      [502, '30', 'UPSTREAM_UNAVAILABLE', 502, 'UPSTREAM_UNAVAILABLE'],
    );
    const seconds = Number(second.headers.get('retry-after'));
    assert.ok(seconds >= 29 && seconds <= 30, `retry-after ${seconds}`);
    assert.equal(balanceCalls(one), 1, 'one call learned the back-off; nothing was asked during it');
    assert.equal(await metric(one, 'balance_api_retry_rounds_total'), 0);
    assert.equal(await metric(one, 'balance_api_retry_after_answers_total'), 2);
  });

  it('every provider down: 502 after at most (1 + RETRY_MAX_ROUNDS) x providers calls per request', async () => {
    for (const p of three.proxies) {
      p.set({ fault: { kind: 'status', status: 500 }, methods: ['eth_getBalance'] });
      p.reset();
    }
    const perRequest: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = balanceCalls(three);
      const res = await three.app.get(`/address/balance/${coldAddress(8, i)}`);
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('retry-after'), null, 'nobody asked to back off');
      perRequest.push(balanceCalls(three) - before);
    }
    // The first: 3 rounds over 3 providers. Then some circuits open, and a round asks only the closed ones.
    assert.equal(perRequest[0], 9, perRequest.join(','));
    assert.ok(perRequest.every((n) => n > 3 && n <= 9), perRequest.join(','));
  });

  it('every provider hanging: the request deadline ends the read, with no round after it', async () => {
    for (const p of three.proxies) p.set({ fault: { kind: 'hang' }, methods: ['eth_getBalance'] });
    const rounds = await metric(three, 'balance_api_retry_rounds_total');
    const before = balanceCalls(three);
    const res = await three.app.get(`/address/balance/${coldAddress(9, 1)}`);
    const kinds = (res.body.providers as { kind: string; error: string }[]).map((p) => `${p.kind}: ${p.error}`);
    assert.equal(res.status, 502);
    assert.ok(kinds.some((k) => /800 ms request deadline/.test(k)), kinds.join('; '));
    assert.ok(balanceCalls(three) - before <= 3, 'one pass at most: hedged over the providers, none asked twice');
    assert.equal(await metric(three, 'balance_api_retry_rounds_total'), rounds, 'no round started past the deadline');
  });
});

describe('the retry budget under a sustained outage', () => {
  let r: Rig;
  before(async () => {
    r = await rig(3, { RETRY_BUDGET_PERCENT: '0' });
  });
  after(async () => await r?.close());

  it('once spent, every request gets one call per candidate and fails as without retries', async () => {
    for (const p of r.proxies) p.set({ fault: { kind: 'status', status: 500 }, methods: ['eth_getBalance'] });
    const perRequest: number[] = [];
    // The floor (100 retries per 10 s) at up to 6 retries a request (2 rounds x 3 providers).
    for (let i = 0; i < 25; i++) {
      const before = balanceCalls(r);
      assert.equal((await r.app.get(`/address/balance/${coldAddress(10, i)}`)).status, 502);
      perRequest.push(balanceCalls(r) - before);
    }
    const rounds = await metric(r, 'balance_api_retry_rounds_total');
    const tail: number[] = [];
    for (let i = 25; i < 30; i++) {
      const before = balanceCalls(r);
      assert.equal((await r.app.get(`/address/balance/${coldAddress(10, i)}`)).status, 502);
      tail.push(balanceCalls(r) - before);
    }
    assert.ok(perRequest.slice(0, 10).every((n) => n > 3 && n <= 9), `retried while the budget lasted: ${perRequest.join(',')}`);
    assert.ok(tail.every((n) => n >= 1 && n <= 3), `one pass each once spent: ${tail.join(',')}`);
    assert.equal(await metric(r, 'balance_api_retry_rounds_total'), rounds, 'no round started once the budget was spent');
    assert.ok((await metric(r, 'balance_api_retry_budget_exhausted_total')) >= 5);
  });
});

describe('retry rounds for batch chunks and head polls', () => {
  let r: Rig;
  before(async () => {
    // Seeded faults, one provider, head refreshed on every request (HEAD_MAX_AGE_MS=0).
    r = await rig(1, { UPSTREAM_MULTICALL: 'off', UPSTREAM_BATCH_MAX: '5', HEAD_MAX_AGE_MS: '0' }, 3);
  });
  after(async () => await r?.close());

  it('a batch whose chunks fail at random is read whole in later rounds of only the failed chunks', async () => {
    const proxy = r.proxies[0]!;
    proxy.set({ fault: { kind: 'status', status: 500 }, methods: ['eth_getBalance'], rate: 0.4 });
    proxy.reset();
    const rounds = await metric(r, 'balance_api_retry_rounds_total');
    const addresses = Array.from({ length: 40 }, (_, i) => coldAddress(11, i));
    const res = await fetch(`${r.app.baseUrl}/address/balances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ addresses }),
    });
    const body = (await res.json()) as { balances: unknown[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.balances.length, 40);
    const requests = proxy.calls.get('eth_getBalance')! / 5;
    assert.ok(requests > 8, `the failed chunks were asked again: ${requests} chunk requests for 8 chunks`);
    assert.ok(requests <= 8 * 3, 'each chunk at most 1 + RETRY_MAX_ROUNDS times');
    assert.ok((await metric(r, 'balance_api_retry_rounds_total')) > rounds);
  });

  it('head polls that fail at random are retried: every read gets a head and /readyz stays 200', async () => {
    // A rig of its own: the breaker must not remember the batch test's failures.
    await r.close();
    // Seed 6 fails 9 of the first 30 polls, never three in a row: every lost poll is one a retry
    // recovers (with RETRY_MAX_ROUNDS=0 the first of them would be a 502).
    r = await rig(1, { HEAD_MAX_AGE_MS: '0' }, 6);
    const proxy = r.proxies[0]!;
    proxy.set({ fault: { kind: 'status', status: 500 }, methods: ['eth_getBlockByNumber'], rate: 0.3 });
    proxy.reset();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      statuses.push((await r.app.get(`/address/balance/${coldAddress(12, i)}`)).status);
      statuses.push((await r.app.get('/readyz')).status);
    }
    assert.deepEqual(statuses, Array<number>(30).fill(200));
    assert.ok(proxy.calls.get('eth_getBlockByNumber')! > 15, 'some polls were lost and asked again');
    const p = (await r.app.get('/providers')).body.providers[0] as { state: string };
    assert.equal(p.state, 'healthy', 'no circuit opened by a poll and its retries');
  });
});
