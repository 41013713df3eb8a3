/**
 * Batches through Multicall3, end to end: a real anvil with Multicall3's code where mainnet has it,
 * behind real fault proxies, the real service, plain HTTP. Each balance is compared with anvil's
 * own eth_getBalance at the same block; the proxies count what went upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { deployMulticall3 } from '../testing/multicall3.js';
import { fresh, headMaxAgeMs, hex, nextHead } from '../testing/short-head.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';

interface Batch {
  blockNumber: string;
  blockHash: string;
  balances: { address: string; balanceWei: string }[];
}

describe('batches through Multicall3', () => {
  let node: AnvilNode;
  let primary: FaultProxy;
  let secondary: FaultProxy;
  let app: TestApp;
  let off: TestApp;
  /** The last block without Multicall3's code. */
  let lastWithout: bigint;
  const funded = Array.from({ length: 20 }, fresh);

  const post = async (target: TestApp, addresses: string[], blockTag?: string): Promise<Batch> => {
    const res = await fetch(`${target.baseUrl}/address/balances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(blockTag === undefined ? { addresses } : { addresses, blockTag }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text.slice(0, 300));
    return JSON.parse(text) as Batch;
  };
  /** Every balance as anvil itself reads it at the batch's block. */
  const assertExact = async (batch: Batch, addresses: string[]) => {
    assert.deepEqual(
      batch.balances.map((b) => b.address),
      addresses,
    );
    const expected = await Promise.all(addresses.map((a) => node.rpc<string>('eth_getBalance', [a, { blockHash: batch.blockHash }])));
    assert.deepEqual(
      batch.balances.map((b) => b.balanceWei),
      expected.map((w) => BigInt(w).toString(10)),
    );
  };
  const count = (method: string) => (primary.calls.get(method) ?? 0) + (secondary.calls.get(method) ?? 0);
  const reset = () => {
    primary.reset();
    secondary.reset();
  };

  before(async () => {
    node = await startAnvil({ chainId: 1 });
    for (const [i, address] of funded.entries()) await node.rpc('anvil_setBalance', [address, hex(10n ** 18n * BigInt(i) + 12_345n)]);
    await node.rpc('anvil_mine', ['0x2']);
    // anvil_setCode changes the head's state in place: the block before it is the last without.
    lastWithout = BigInt(await node.rpc<string>('eth_blockNumber')) - 1n;
    await deployMulticall3(node);
    primary = await startFaultProxy(node.url);
    secondary = await startFaultProxy(node.url);
    const env = {
      RPC_URLS: `primary=${primary.url},secondary=${secondary.url}`,
      EXPECTED_CHAIN_ID: '1',
      UPSTREAM_TIMEOUT_MS: '1000',
      HEAD_MAX_AGE_MS: String(headMaxAgeMs),
      UPSTREAM_BATCH_MAX: '100',
    };
    app = await startTestApp(env);
    off = await startTestApp({ ...env, UPSTREAM_MULTICALL: 'off' });
  });
  after(async () => {
    await app?.shutdown();
    await off?.shutdown();
    await primary?.close();
    await secondary?.close();
    await node?.stop();
  });

  it('reads 250 addresses in ceil(250 / UPSTREAM_BATCH_MAX) = 3 eth_calls and no eth_getBalance, every balance exact', async () => {
    const addresses = [...funded, ...Array.from({ length: 230 }, fresh)];
    await nextHead();
    await app.get('/readyz');
    reset();
    const batch = await post(app, addresses);
    assert.equal(count('eth_call'), 3);
    assert.equal(count('eth_getBalance'), 0);
    assert.ok(primary.requests() + secondary.requests() <= 3 + 4, 'head polls may ride along');
    await assertExact(batch, addresses);
    assert.notEqual(batch.balances[5]!.balanceWei, '0');
  });

  it('reads with eth_getBalance at a block older than the contract, and remembers it', async () => {
    const addresses = [...funded.slice(0, 5), fresh()];
    reset();
    const first = await post(app, addresses, hex(lastWithout));
    await assertExact(first, addresses);
    assert.equal(first.blockNumber, hex(lastWithout));
    assert.equal(count('eth_call'), 1, 'one Multicall3 call finds no contract there');
    assert.equal(count('eth_getBalance'), addresses.length);
    reset();
    const older = [fresh(), funded[7]!];
    await assertExact(await post(app, older, hex(lastWithout - 1n)), older);
    assert.equal(count('eth_call'), 0, 'not asked again below that block');
    assert.equal(count('eth_getBalance'), 2);
  });

  it('fails over a chunk whose Multicall3 answer is malformed, and never serves it', async () => {
    const addresses = [...funded.slice(10), ...Array.from({ length: 190 }, fresh)];
    await nextHead();
    primary.set({ fault: { kind: 'garbage' }, methods: ['eth_call'] });
    try {
      reset();
      await assertExact(await post(app, addresses), addresses);
      assert.ok((secondary.calls.get('eth_call') ?? 0) >= 2, 'the secondary read what the primary could not');
    } finally {
      primary.set({ kind: 'pass' });
    }
  });

  it('reads a chunk with eth_getBalance when the node refuses the eth_call', async () => {
    const addresses = Array.from({ length: 53 }, fresh);
    await nextHead();
    primary.set({ fault: { kind: 'rpc-error', code: -32601, message: 'the method eth_call does not exist/is not available' }, methods: ['eth_call'] });
    secondary.set({ fault: { kind: 'rpc-error', code: -32601, message: 'the method eth_call does not exist/is not available' }, methods: ['eth_call'] });
    try {
      reset();
      await assertExact(await post(app, addresses), addresses);
      assert.equal(count('eth_getBalance'), addresses.length);
      const refused = [primary, secondary].filter((p) => (p.calls.get('eth_call') ?? 0) > 0);
      assert.ok(refused.length > 0);
      reset();
      const again = Array.from({ length: 250 }, fresh);
      await nextHead();
      await assertExact(await post(app, again), again);
      for (const p of refused) assert.equal(p.calls.get('eth_call') ?? 0, 0, 'a provider that refused is not asked through Multicall3 again before its next chain check');
    } finally {
      primary.set({ kind: 'pass' });
      secondary.set({ kind: 'pass' });
    }
  });

  it('asks a provider that refused for the code again at its next chain check, and reads through Multicall3 again', async () => {
    const quick = await startTestApp({
      RPC_URLS: `primary=${primary.url}`,
      EXPECTED_CHAIN_ID: '1',
      HEAD_MAX_AGE_MS: String(headMaxAgeMs),
      CHAIN_CHECK_INTERVAL_MS: '300',
    });
    try {
      const refusal = { kind: 'rpc-error', code: -32603, message: 'internal error' } as const;
      primary.set({ fault: refusal, methods: ['eth_call'] });
      reset();
      const first = Array.from({ length: 20 }, fresh);
      await assertExact(await post(quick, first), first);
      assert.equal(count('eth_getBalance'), first.length);
      primary.set({ kind: 'pass' });
      // Past the chain check interval, with head polls (and so the chain check) in between.
      for (let i = 0; i < 4; i++) {
        await nextHead();
        await quick.get('/readyz');
      }
      reset();
      const again = Array.from({ length: 20 }, fresh);
      await assertExact(await post(quick, again), again);
      assert.equal(count('eth_call'), 1);
      assert.equal(count('eth_getBalance'), 0);
    } finally {
      primary.set({ kind: 'pass' });
      await quick.shutdown();
    }
  });

  it('reads with eth_getBalance batches only with UPSTREAM_MULTICALL=off', async () => {
    const addresses = [...funded, ...Array.from({ length: 80 }, fresh)];
    await nextHead();
    reset();
    await assertExact(await post(off, addresses), addresses);
    assert.equal(count('eth_call'), 0);
    assert.equal(count('eth_getCode'), 0);
    assert.equal(count('eth_getBalance'), addresses.length);
  });
});
