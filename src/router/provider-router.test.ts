/**
 * The router on its own (no HTTP), over real anvil nodes behind fault proxies: hedging and the
 * call observer, stop-on-invalid, a provider switching chains, and secrets kept out of logs.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Head } from '../chain/head.js';
import { loadConfig } from '../config/config.js';
import { ServiceError } from '../errors.js';
import { startCluster, WATCHED, type AnvilCluster } from '../testing/anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { ProviderRouter } from './provider-router.js';
import { eventually, FAKE_KEY, FAKE_TOKEN, randomAddress } from '../testing/router-fixture.js';
import type { CallOutcome } from './upstream.js';

let cluster: AnvilCluster;
let proxies: FaultProxy[];
let router: ProviderRouter;
const calls: { provider: string; method: string; outcome: CallOutcome }[] = [];
let logs = '';
const NAMES = ['a', 'b', 'c'];

before(async () => {
  cluster = await startCluster({ synced: 3 });
  proxies = await Promise.all(cluster.synced.map((n) => startFaultProxy(n.url)));
  const config = loadConfig({
    RPC_URLS: proxies.map((p, i) => `${NAMES[i]}=${p.url}/v3/${FAKE_KEY}?token=${FAKE_TOKEN}`).join(','),
    EXPECTED_CHAIN_ID: '31337',
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  router = new ProviderRouter(config, pino({ level: 'debug' }, sink), {
    onCall: (provider, method, outcome) => calls.push({ provider, method, outcome }),
    // Never explore: these tests need to know who is asked first.
    random: () => 0.99,
    chainCheckIntervalMs: 200,
  });
  await router.start();
});

after(async () => {
  await router?.close();
  await Promise.all((proxies ?? []).map((p) => p.close()));
  await cluster?.stop();
});

beforeEach(async () => {
  for (const p of proxies) p.set({ kind: 'pass' });
  const healthy = await eventually(async () => {
    await router.head().catch(() => undefined);
    return router.snapshot().every((p) => p.state === 'healthy');
  }, 20_000);
  assert.ok(healthy, JSON.stringify(router.snapshot()));
  calls.length = 0;
  for (const p of proxies) p.reset();
});

const proxyOf = (name: string) => proxies[NAMES.indexOf(name)]!;

async function warm(reads: number): Promise<Head> {
  const head = await router.head();
  for (let i = 0; i < reads; i++) await router.getBalance(randomAddress(), head);
  return head;
}

describe('ProviderRouter', () => {
  it('reads the balance at exactly the pinned block', async () => {
    await cluster.mine();
    const head = await router.head();
    await cluster.mine();
    const read = await router.getBalance(WATCHED[1]!, head);
    assert.equal(read.wei, cluster.balanceAt(WATCHED[1]!, head.number));
    assert.notEqual(read.wei, cluster.balanceAt(WATCHED[1]!, cluster.number()), 'not the newer block');
  });

  it('hedges to the next provider when the primary is slower than its p95, and reports the loser as a hedge', async () => {
    const head = await warm(30);
    const primary = (await router.getBalance(randomAddress(), head)).provider;
    proxyOf(primary).set({ fault: { kind: 'delay', ms: 1500 }, methods: ['eth_getBalance'] });
    calls.length = 0;
    const before = NAMES.map((n) => proxyOf(n).calls.get('eth_getBalance') ?? 0);
    const read = await router.getBalance(randomAddress(), head);
    assert.notEqual(read.provider, primary);
    // One request to the slow primary and one to the hedge that answered; nobody else asked.
    const asked = Object.fromEntries(NAMES.map((n, i) => [n, (proxyOf(n).calls.get('eth_getBalance') ?? 0) - before[i]!]).filter(([, c]) => c !== 0));
    assert.deepEqual(asked, { [primary]: 1, [read.provider]: 1 });
    const reads = calls.filter((c) => c.method === 'eth_getBalance');
    assert.deepEqual(reads, [
      { provider: read.provider, method: 'eth_getBalance', outcome: 'ok' },
      { provider: primary, method: 'eth_getBalance', outcome: 'hedge' },
    ]);
  });

  it('stops at an invalid request instead of asking every provider', async () => {
    const head = await router.head();
    await assert.rejects(router.getBalance('0xnot-an-address', head), (error: unknown) => {
      assert.ok(error instanceof ServiceError);
      assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
      const causes = (error.extra as { providers: { name: string; kind: string }[] }).providers;
      assert.ok(causes.some((c) => c.kind === 'invalid-request'), JSON.stringify(causes));
      return true;
    });
    // The first answer stops the read; on a busy machine a hedge may already be out (at most one).
    const sent = proxies.map((p) => p.calls.get('eth_getBalance') ?? 0);
    assert.ok(sent.reduce((a, b) => a + b, 0) <= 2 && sent.includes(0), `calls per provider: ${sent}`);
    assert.ok(router.snapshot().every((p) => p.state === 'healthy'), 'an invalid request breaks no provider');
  });

  it('stops reading from a provider that moves to another chain, and takes it back when it returns', async () => {
    await cluster.synced[2]!.rpc('anvil_setChainId', [999]);
    try {
      const moved = await eventually(async () => {
        await router.head().catch(() => undefined);
        return router.snapshot()[2]!.state === 'wrong-chain';
      }, 10_000);
      assert.ok(moved, JSON.stringify(router.snapshot()[2]));
      assert.equal(router.snapshot()[2]!.chainId, 999);
      proxies[2]!.reset();
      const head = await router.head();
      for (let i = 0; i < 30; i++) await router.getBalance(randomAddress(), head);
      assert.equal(proxies[2]!.calls.get('eth_getBalance') ?? 0, 0);
    } finally {
      await cluster.synced[2]!.rpc('anvil_setChainId', [31337]);
    }
    const back = await eventually(async () => {
      await router.head().catch(() => undefined);
      return router.snapshot()[2]!.state === 'healthy';
    }, 10_000);
    assert.ok(back, JSON.stringify(router.snapshot()[2]));
  });

  it('keeps keys and tokens out of logs, snapshots and error causes, even when a provider echoes its URL', async () => {
    const echoed = `${proxies[0]!.url}/v3/${FAKE_KEY}?token=${FAKE_TOKEN}`;
    for (const p of proxies) p.set({ kind: 'rpc-error', code: -32000, message: `upstream ${echoed} failed for ${FAKE_KEY}` });
    const head = await router.head().catch(() => undefined);
    let causes = '';
    // Three failed reads in a row open every circuit, which is logged.
    for (let i = 0; i < 3; i++) {
      await router.getBalance(randomAddress(), head ?? { number: 1n, hash: `0x${'00'.repeat(32)}`, numberHex: '0x1' }).catch((error: ServiceError) => {
        causes ||= JSON.stringify(error.extra);
      });
    }
    assert.match(causes, /JSON-RPC error -32000: upstream http:\/\/127\.0\.0\.1:\d+\/v3\/\*\*\*\?\*\*\* failed for \*\*\*/);
    for (const [where, text] of [
      ['logs', logs],
      ['snapshot', JSON.stringify(router.snapshot())],
      ['causes', causes],
    ]) {
      assert.ok(!text!.includes(FAKE_KEY) && !text!.includes(FAKE_TOKEN), `secret in ${where}`);
    }
    assert.ok(logs.includes('provider failing'), 'the failures were logged');
  });
});
