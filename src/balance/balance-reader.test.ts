/**
 * One read path for every balance, end to end: a real anvil behind two real fault proxies, the real
 * app, plain HTTP. The proxies count what went upstream; a scripted delay on eth_getBalance holds
 * the first read in flight while the second caller arrives, so the overlap does not depend on luck.
 * The coalescing cases run against one provider, so no hedge can add a call of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { randomAddress } from '../testing/router-fixture.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';

interface Batch {
  blockHash: string;
  balances: { address: string; balanceWei: string }[];
}

const hex = (n: bigint | number) => `0x${n.toString(16)}`;
const HOLD = { fault: { kind: 'delay', ms: 300 }, methods: ['eth_getBalance'] } as const;
const HANG = { fault: { kind: 'hang' }, methods: ['eth_getBalance'] } as const;

describe('one reader for every balance', () => {
  let node: AnvilNode;
  let a: FaultProxy;
  let b: FaultProxy;
  let solo: FaultProxy;
  /** Over `solo` alone. */
  let one: TestApp;
  /** Over a and b. */
  let app: TestApp;

  /** Cold addresses, each funded with a distinct balance (set before the app's head is read). */
  const cold: string[][] = [];
  const fundedBatch = (n: number) => {
    const batch = Array.from({ length: n }, randomAddress);
    cold.push(batch);
    return batch;
  };
  const pools = { pairs: fundedBatch(5), twins: fundedBatch(100), hung: fundedBatch(300), allHung: fundedBatch(300) };

  const reset = () => {
    a.reset();
    b.reset();
  };
  const post = (addresses: readonly string[], target = app) =>
    fetch(`${target.baseUrl}/address/balances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses }) });
  const postOk = async (addresses: readonly string[], target = app): Promise<Batch> => {
    const res = await post(addresses, target);
    const text = await res.text();
    assert.equal(res.status, 200, text.slice(0, 300));
    return JSON.parse(text) as Batch;
  };
  /** Every balance as anvil itself reads it at the batch's block, in request order. */
  const assertExact = async (batch: Batch, addresses: readonly string[]) => {
    assert.deepEqual(
      batch.balances.map((x) => x.address),
      addresses,
    );
    const expected = await Promise.all(addresses.map((x) => node.rpc<string>('eth_getBalance', [x, { blockHash: batch.blockHash }])));
    assert.deepEqual(
      batch.balances.map((x) => x.balanceWei),
      expected.map((w) => BigInt(w).toString(10)),
    );
  };

  before(async () => {
    node = await startAnvil({ chainId: 1 });
    let i = 1n;
    for (const batch of cold) for (const address of batch) await node.rpc('anvil_setBalance', [address, hex(10n ** 15n * i++ + 7n)]);
    await node.rpc('anvil_mine', ['0x1']);
    a = await startFaultProxy(node.url);
    b = await startFaultProxy(node.url);
    solo = await startFaultProxy(node.url);
    const env = {
      EXPECTED_CHAIN_ID: '1',
      UPSTREAM_TIMEOUT_MS: '10000',
      REQUEST_DEADLINE_MS: '4000',
      UPSTREAM_BATCH_MAX: '100',
      // One head for the whole test: no refresh lands a second block between two callers.
      HEAD_MAX_AGE_MS: '60000',
    };
    one = await startTestApp({ ...env, RPC_URLS: `solo=${solo.url}` });
    app = await startTestApp({ ...env, RPC_URLS: `a=${a.url},b=${b.url}` });
  });

  after(async () => {
    await app?.shutdown();
    await one?.shutdown();
    await solo?.close();
    await a?.close();
    await b?.close();
    await node?.stop();
  });

  it('reads a cold address once when a GET and a POST ask for it at the same moment', async () => {
    solo.set(HOLD);
    const coalescedBefore = one.cache.stats.coalesced;
    for (const [n, address] of pools.pairs.entries()) {
      solo.reset();
      // Either route may start the read; the other joins it.
      const get = () => one.get(`/address/balance/${address}`);
      const [single, batch] =
        n % 2 === 0 ? await Promise.all([get(), postOk([address], one)]) : await Promise.all([postOk([address], one), get()]).then(([x, y]) => [y, x] as const);
      assert.equal(single.status, 200);
      assert.equal(solo.calls.get('eth_getBalance'), 1, `pair ${n}: one upstream read`);
      assert.equal(single.body.balanceWei, batch.balances[0]!.balanceWei);
      assert.equal(single.body.blockHash, batch.blockHash);
      await assertExact(batch, [address]);
    }
    assert.equal(one.cache.stats.coalesced - coalescedBefore, pools.pairs.length);
  });

  it('reads 100 cold addresses once for two identical concurrent batches', async () => {
    solo.set(HOLD);
    solo.reset();
    const [first, second] = await Promise.all([postOk(pools.twins, one), postOk(pools.twins, one)]);
    assert.equal(solo.calls.get('eth_getBalance'), 100);
    assert.deepEqual(second, first);
    await assertExact(first, pools.twins);
  });

  it('answers a batch whose chunks land on a hung provider from the other one, hedged, complete and exact', async () => {
    a.set(HANG);
    b.set({ kind: 'pass' });
    reset();
    const batch = await postOk(pools.hung);
    await assertExact(batch, pools.hung);
    // Every address answered by b; a was asked for at least one whole chunk, which b then took as a hedge.
    assert.equal(b.calls.get('eth_getBalance'), 300);
    const askedOfA = a.calls.get('eth_getBalance') ?? 0;
    assert.ok(askedOfA >= 100 && askedOfA % 100 === 0, `a asked for whole chunks: ${askedOfA}`);
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const hedged = metrics.split('\n').find((l) => l.startsWith('balance_api_upstream_calls_total{') && l.includes('provider="a"') && l.includes('outcome="hedge"'));
    assert.ok(hedged !== undefined, 'the hung chunks were withdrawn as lost hedges');
    assert.equal(Number(hedged.split(' ').at(-1)), askedOfA);
  });

  it('fails a batch whose every provider hangs with the 502 of the request deadline, not the upstream timeout', async () => {
    a.set(HANG);
    b.set(HANG);
    const res = await post(pools.allHung);
    const body = (await res.json()) as { code: string; status: number; providers: { name: string; kind: string; error: string }[] };
    assert.equal(res.status, 502);
    assert.equal(body.code, 'UPSTREAM_UNAVAILABLE');
    assert.deepEqual(
      body.providers.map((p) => [p.name, p.kind, p.error]),
      [
        ['a', 'timeout', 'no answer within the 4000 ms request deadline'],
        ['b', 'timeout', 'no answer within the 4000 ms request deadline'],
      ],
    );
    a.set({ kind: 'pass' });
    b.set({ kind: 'pass' });
  });
});
