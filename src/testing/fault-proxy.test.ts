import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type AnvilCluster } from './anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

let cluster: AnvilCluster;
let proxy: FaultProxy;

before(async () => {
  cluster = await startCluster({ synced: 1 });
  proxy = await startFaultProxy(cluster.synced[0]!.url);
});
after(async () => {
  await proxy?.close();
  await cluster?.stop();
});

async function rpc(body: unknown): Promise<unknown> {
  const res = await fetch(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

describe('fault proxy', () => {
  it('answers eth_chainId with another chain and forwards the rest of the batch untouched', async () => {
    proxy.set({ kind: 'chain-id', chainId: 999 });
    const replies = (await rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] },
    ])) as { id: number; result: string }[];
    assert.deepEqual(replies, [
      { jsonrpc: '2.0', id: 1, result: '0x3e7' },
      { jsonrpc: '2.0', id: 2, result: `0x${cluster.number().toString(16)}` },
    ]);
  });

  it('keeps answering the head it last saw while the node moves on', async () => {
    proxy.set({ kind: 'pass' });
    const latest = { jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['latest', false] };
    const before = ((await rpc(latest)) as { result: { number: string } }).result.number;
    proxy.set({ kind: 'frozen-head' });
    await cluster.mine();
    await cluster.mine();
    const frozen = ((await rpc(latest)) as { result: { number: string } }).result.number;
    proxy.set({ kind: 'pass' });
    const after = ((await rpc(latest)) as { result: { number: string } }).result.number;
    assert.deepEqual([frozen, BigInt(after) - BigInt(before)], [before, 2n]);
  });

  it('with a seed, fails the same calls the same way in any order: half resets, half HTTP 500 at the rate asked', async () => {
    const outcomes = async (order: number[]) => {
      const seeded = await startFaultProxy(cluster.synced[0]!.url, { seed: 7 });
      seeded.set({ fault: { kind: 'one-of', faults: [{ kind: 'reset' }, { kind: 'status', status: 500 }] }, rate: 0.3 });
      const seen = new Map<number, string>();
      try {
        await Promise.all(
          order.map(async (i) => {
            const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_getBalance', params: [`0x${i.toString(16).padStart(40, '0')}`, 'latest'] });
            try {
              const res = await fetch(seeded.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
              seen.set(i, String(res.status));
              await res.arrayBuffer();
            } catch {
              seen.set(i, 'reset');
            }
          }),
        );
      } finally {
        await seeded.close();
      }
      return order.map((_, i) => seen.get(i)!);
    };
    const forward = Array.from({ length: 200 }, (_, i) => i);
    const first = await outcomes(forward);
    const second = await outcomes([...forward].reverse());
    assert.deepEqual(second, first);
    const count = (s: string) => first.filter((x) => x === s).length;
    const faults = count('reset') + count('500');
    assert.ok(faults > 40 && faults < 80, `${faults} of 200 hit at rate 0.3`);
    assert.ok(count('reset') > 10 && count('500') > 10, `resets ${count('reset')}, 500s ${count('500')}`);
    assert.equal(count('200') + faults, 200);
  });
});
