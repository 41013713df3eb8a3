/**
 * The verified read over three real anvil nodes behind fault proxies, without the router: one node
 * lies in each way the proxy knows, and the reader still returns the honest chain's balance and
 * names the liar. The deps here are the thinnest real ones: an RpcClient per proxy.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Head } from '../chain/head.js';
import { RpcClient } from '../chain/rpc-client.js';
import { startCluster, WATCHED, type AnvilCluster } from '../testing/anvil-cluster.js';
import { eventually } from '../testing/router-fixture.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../testing/fault-proxy.js';
import { failover } from '../router/failover.js';
import { HedgeBudget } from '../router/hedge.js';
import { VerifiedReader, type VerifyCause, type VerifyDeps } from './verified-reader.js';

interface Peer {
  readonly name: string;
  readonly client: RpcClient;
}

class Unverifiable extends Error {
  constructor(
    detail: string,
    readonly causes: Record<string, VerifyCause>,
  ) {
    super(detail);
  }
}

let cluster: AnvilCluster;
let proxies: FaultProxy[];
let peers: Peer[];
let distrusted: string[];

function reader(options: { order?: number[]; quorum?: number } = {}): VerifiedReader<Peer> {
  const deps: VerifyDeps<Peer> = {
    usable: () => (options.order ?? [0, 1, 2]).map((i) => peers[i]!).filter((p) => !distrusted.includes(p.name)),
    call: (p, method, params, cancel) => p.client.call(method, params, cancel),
    distrust: (p) => void distrusted.push(p.name),
    unverifiable: (detail, causes) => new Unverifiable(detail, Object.fromEntries([...causes].map(([p, c]) => [p.name, c]))),
    // The router's own failover, never hedging here: these tests need to know who is asked first.
    firstOf: (order, read, failures) => failover({ order, read, failures, budget: new HedgeBudget(), deadlineMs: 3000, hedgeDelayMs: () => 60_000 }),
    quorum: options.quorum,
    deadlineMs: 3000,
  };
  return new VerifiedReader(deps);
}

async function head(): Promise<Head> {
  const block = await cluster.synced[0]!.rpc<{ number: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
  return { number: BigInt(block.number), hash: block.hash, numberHex: block.number };
}

before(async () => {
  cluster = await startCluster({ synced: 3 });
  await cluster.mine();
  await cluster.mine();
  proxies = await Promise.all(cluster.synced.map((n) => startFaultProxy(n.url)));
  peers = proxies.map((p, i) => ({ name: `p${i}`, client: new RpcClient({ name: `p${i}`, url: p.url, headers: {} }, { timeoutMs: 2000 }) }));
});
after(async () => {
  await Promise.all((peers ?? []).map((p) => p.client.close()));
  await Promise.all((proxies ?? []).map((p) => p.close()));
  await cluster?.stop();
});
beforeEach(() => {
  distrusted = [];
  for (const p of proxies) p.set({ kind: 'pass' });
});

describe('verified reader', () => {
  const lies: Fault[] = [{ kind: 'lie-balance' }, { kind: 'forge-proof' }, { kind: 'state-root' }, { kind: 'block-hash' }];
  for (const lie of lies) {
    it(`serves the honest balance and names the liar when one of three answers with ${lie.kind}`, async () => {
      await cluster.mine();
      const at = await head();
      proxies[0]!.set(lie);
      // The liar is asked first for everything.
      const read = await reader().read(WATCHED[2]!, at);
      // A header liar's vote may land after the quorum of the other two (then its honest proof can
      // serve the read, proven against the agreed root all the same); a proof liar never serves.
      const proofLie = lie.kind === 'lie-balance' || lie.kind === 'forge-proof';
      const caught = await eventually(() => distrusted.includes('p0'), 5000, 20);
      assert.deepEqual(
        { wei: read.wei, blockHash: read.blockHash, servedByLiar: proofLie && read.provider === 'p0', caught, distrusted },
        { wei: cluster.balanceAt(WATCHED[2]!, at.number), blockHash: at.hash, servedByLiar: false, caught: true, distrusted: ['p0'] },
      );
    });
  }

  it('proves 0 for an account that does not exist', async () => {
    const at = await head();
    const read = await reader().read('0x000000000000000000000000000000000000dEaD', at);
    assert.deepEqual({ wei: read.wei, provider: read.provider, distrusted }, { wei: 0n, provider: 'p0', distrusted: [] });
  });

  it('agrees on a header once per block hash, however many reads need it', async () => {
    await cluster.mine();
    const at = await head();
    const r = reader();
    for (const p of proxies) p.reset();
    await Promise.all(WATCHED.map((a) => r.read(a, at)));
    await r.read(WATCHED[0]!, at);
    const asked = proxies.map((p) => p.calls.get('eth_getBlockByNumber') ?? 0);
    assert.deepEqual(asked, [1, 1, 1]);
  });

  it('refuses when no quorum of the usable providers reports the hash, listing each cause', async () => {
    const at = await head();
    proxies[1]!.set({ kind: 'status', status: 503 });
    proxies[2]!.set({ kind: 'status', status: 503 });
    const error = await reader().read(WATCHED[1]!, at).then(
      () => assert.fail('read a balance without a quorum'),
      (e: unknown) => e as Unverifiable,
    );
    assert.equal(error.message, `no quorum for the hash of block ${at.numberHex}: 1 of 3 usable providers agree on one hash (1 answered), 2 needed`);
    assert.deepEqual(Object.keys(error.causes).sort(), ['p1', 'p2']);
    assert.equal(error.causes.p1!.kind, 'http');
  });

  it('refuses when every provider that is asked for the proof lies', async () => {
    const at = await head();
    for (const p of proxies) p.set({ fault: { kind: 'forge-proof' }, methods: ['eth_getProof'] });
    const error = await reader().read(WATCHED[1]!, at).then(
      () => assert.fail('served a forged proof'),
      (e: unknown) => e as Unverifiable,
    );
    assert.match(error.message, /no provider gave a verifiable proof/);
    assert.deepEqual({ kinds: Object.values(error.causes).map((c) => c.kind), distrusted }, { kinds: ['unverifiable', 'unverifiable', 'unverifiable'], distrusted: ['p0', 'p1', 'p2'] });
  });

  it('with VERIFY_QUORUM=1 a single provider is enough', async () => {
    const at = await head();
    const read = await reader({ order: [2], quorum: 1 }).read(WATCHED[3]!, at);
    assert.equal(read.wei, cluster.balanceAt(WATCHED[3]!, at.number));
  });
});
