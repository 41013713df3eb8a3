import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type AnvilCluster } from './anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { MiningGate } from './mining-gate.js';

describe('mining gate', () => {
  it('lets a mine start only once the reads in flight are done, and holds new reads until it is', async () => {
    const gate = new MiningGate();
    const events: string[] = [];
    await gate.enter();
    events.push('read 1 in');
    const mined = gate.exclusive(async () => {
      events.push('mine');
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push('mined');
    });
    const read2 = gate.enter().then(() => events.push('read 2 in'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.push('read 1 out');
    gate.leave();
    await Promise.all([mined, read2]);
    gate.leave();
    assert.deepEqual(events, ['read 1 in', 'read 1 out', 'mine', 'mined', 'read 2 in']);
    assert.equal(gate.inFlight, 0);
  });
});

/** anvil's second dev account: funded, and not the cluster's funder, so its nonces stay the cluster's. */
const SENDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const TARGET = '0x4444444444444444444444444444444444444444';
/** Transfers in the mined block: enough (~25M gas) that executing it takes tens of milliseconds. */
const TRANSFERS = 1200;

describe('a synced node behind its gate', () => {
  let cluster: AnvilCluster;
  let gated: FaultProxy;
  let bare: FaultProxy;

  before(async () => {
    cluster = await startCluster({ synced: 1 });
    const url = cluster.synced[0]!.url;
    gated = await startFaultProxy(url, { gate: cluster.gateOf(url) });
    bare = await startFaultProxy(url);
  });
  after(async () => {
    await gated?.close();
    await bare?.close();
    await cluster?.stop();
  });

  let id = 0;
  async function rpc<T>(proxy: FaultProxy, method: string, params: unknown[]): Promise<T> {
    const res = await fetch(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
    const reply = (await res.json()) as { result?: T; error?: unknown };
    if (reply.error !== undefined) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  /**
   * Mines a block of TRANSFERS transfers to TARGET while 8 readers keep asking for TARGET's balance
   * at the block that was latest before it, through `proxy`; the answers that were not that block's.
   */
  async function readWhileMining(proxy: FaultProxy): Promise<{ reads: number; wrong: number; latest: { hash: string } }> {
    const latest = await rpc<{ hash: string }>(proxy, 'eth_getBlockByNumber', ['latest', false]);
    const pinned = [TARGET, { blockHash: latest.hash }];
    const expected = await rpc<string>(proxy, 'eth_getBalance', pinned);
    const node = cluster.synced[0]!;
    const nonce = BigInt(await node.rpc<string>('eth_getTransactionCount', [SENDER, 'pending']));
    const batch = Array.from({ length: TRANSFERS }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'eth_sendTransaction',
      params: [{ from: SENDER, to: TARGET, value: '0x1', gas: '0x5208', nonce: `0x${(nonce + BigInt(i)).toString(16)}` }],
    }));
    const sent = (await (await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) })).json()) as { error?: unknown }[];
    assert.deepEqual(sent.filter((r) => r.error !== undefined), [], 'every transfer was accepted');
    let mined = false;
    let reads = 0;
    let wrong = 0;
    const mining = cluster.mine().then(() => {
      mined = true;
    });
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!mined) {
          const wei = await rpc<string>(proxy, 'eth_getBalance', pinned);
          reads++;
          if (wei !== expected) wrong++;
        }
      }),
    );
    await mining;
    // The block did carry the transfers: the next block's balance is another one.
    const next = await rpc<{ hash: string }>(proxy, 'eth_getBlockByNumber', ['latest', false]);
    assert.equal(BigInt(await rpc<string>(proxy, 'eth_getBalance', [TARGET, { blockHash: next.hash }])), BigInt(expected) + BigInt(TRANSFERS));
    return { reads, wrong, latest };
  }

  it("answers a read pinned to its latest block with that block's balance while it mines the next one", async (t) => {
    // Without the gate anvil answers some of these with the next block's balance (diagnostic only:
    // a later anvil may fix it).
    const ungated = await readWhileMining(bare);
    t.diagnostic(`without the gate: ${ungated.wrong} of ${ungated.reads} reads got the next block's balance`);
    for (let round = 0; round < 3; round++) {
      const { reads, wrong } = await readWhileMining(gated);
      assert.ok(reads > 0, 'reads overlapped the mining');
      assert.equal(wrong, 0, `round ${round}: ${wrong} of ${reads} reads got the next block's balance`);
    }
  });
});
