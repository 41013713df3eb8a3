/**
 * Verified balances end to end: the real app over three real anvil nodes behind fault proxies, one
 * of them lying in each way the proxy knows. With verification on, every answer is checked against
 * the balance the honest chain has at the block the answer names, and the liar must end up
 * untrusted. With verification off, the same liar's effect is counted (the README's numbers).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, WATCHED, type AnvilCluster } from '../testing/anvil-cluster.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../testing/fault-proxy.js';
import { eventually, FAKE_KEY, FAKE_TOKEN } from '../testing/router-fixture.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import type { ProviderSnapshot } from '../router/upstream.js';

const ABSENT = '0x000000000000000000000000000000000000dEaD';
const ADDRESSES = [...WATCHED, ABSENT];
const NAMES = ['a', 'b', 'c'];

let cluster: AnvilCluster;
let proxies: FaultProxy[];

before(async () => {
  cluster = await startCluster({ synced: 3 });
  await cluster.mine();
  proxies = await Promise.all(cluster.synced.map((n) => startFaultProxy(n.url)));
});
after(async () => {
  await Promise.all((proxies ?? []).map((p) => p.close()));
  await cluster?.stop();
});

async function withApp(env: Record<string, string>, run: (app: TestApp) => Promise<void>): Promise<void> {
  for (const p of proxies) p.set({ kind: 'pass' });
  const app = await startTestApp({
    // Keys in the URLs, as real providers have them: they must never show in an answer.
    RPC_URLS: proxies.map((p, i) => `${NAMES[i]}=${p.url}/v3/${FAKE_KEY}?token=${FAKE_TOKEN}`).join(','),
    EXPECTED_CHAIN_ID: String(cluster.chainId),
    ADDRESS_CHECKSUM: 'lenient',
    HEAD_MAX_AGE_MS: '100',
    ...env,
  });
  try {
    await run(app);
  } finally {
    await app.shutdown();
    for (const p of proxies) p.set({ kind: 'pass' });
  }
}

interface Body {
  address: string;
  balanceWei: string;
  headBlockNumber: string;
  verified: boolean;
  stateRoot?: string;
  blockHash?: string;
}

/** `rounds` requests over ADDRESSES with a block mined between rounds; counts answers that are wrong for the block they name. */
async function drive(app: TestApp, rounds: number, query: string): Promise<{ total: number; wrong: number; unverified: number; failed: number; bodies: Body[] }> {
  let total = 0;
  let wrong = 0;
  let unverified = 0;
  let failed = 0;
  const bodies: Body[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const address of ADDRESSES) {
      const res = await app.get(`/address/balance/${address}${query}`);
      total++;
      if (res.status !== 200) {
        failed++;
        continue;
      }
      const body = res.body as Body;
      bodies.push(body);
      if (BigInt(body.balanceWei) !== cluster.balanceAt(address, BigInt(body.headBlockNumber))) wrong++;
      if (body.verified !== true) unverified++;
    }
    await cluster.mine();
    // A fresh head, so the next round reads upstream again (no cache hit hides a lie).
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { total, wrong, unverified, failed, bodies };
}

const providers = async (app: TestApp) => ((await app.get('/providers')).body as { providers: ProviderSnapshot[] }).providers;
const stateOf = async (app: TestApp, name: string) => (await providers(app)).find((p) => p.name === name)?.state;

describe('verified balances (VERIFY_PROOFS=on)', () => {
  const lies: Fault[] = [{ kind: 'lie-balance' }, { kind: 'forge-proof' }, { kind: 'state-root' }, { kind: 'block-hash' }];
  for (const lie of lies) {
    it(`serves not one wrong balance while provider a answers with ${lie.kind}, and a ends up untrusted`, async () => {
      await withApp({ VERIFY_PROOFS: 'on' }, async (app) => {
        proxies[0]!.set(lie);
        // The honest two answer proofs a little slower, so the liar ranks first and is asked.
        for (const p of proxies.slice(1)) p.set({ fault: { kind: 'delay', ms: 15 }, methods: ['eth_getProof'] });
        // Rounds until the liar has been asked and caught (a few at most), every answer checked.
        const runs: Awaited<ReturnType<typeof drive>>[] = [];
        let untrusted = false;
        for (let i = 0; i < 4 && !untrusted; i++) {
          runs.push(await drive(app, 2, ''));
          untrusted = await eventually(async () => (await stateOf(app, 'a')) === 'untrusted', 1000);
        }
        const sum = (k: 'wrong' | 'unverified' | 'failed') => runs.reduce((n, r) => n + r[k], 0);
        assert.deepEqual(
          { wrong: sum('wrong'), unverified: sum('unverified'), failed: sum('failed'), untrusted },
          { wrong: 0, unverified: 0, failed: 0, untrusted: true },
        );
        const metrics = (await app.get('/metrics')).body as string;
        assert.match(metrics, /balance_api_provider_state\{provider="a",state="untrusted"\} 1/);
      });
    });
  }

  it('answers with verified, blockHash and the stateRoot of the block it names', async () => {
    await withApp({ VERIFY_PROOFS: 'on' }, async (app) => {
      const res = await app.get(`/address/balance/${WATCHED[1]}`);
      const body = res.body as Body & { rpcLatencyMs: number };
      const block = await cluster.synced[0]!.rpc<{ hash: string; stateRoot: string }>('eth_getBlockByNumber', [body.headBlockNumber, false]);
      assert.equal(res.status, 200);
      assert.deepEqual(
        { ...body, rpcLatencyMs: 0 },
        {
          ...body,
          rpcLatencyMs: 0,
          address: WATCHED[1],
          balanceWei: cluster.balanceAt(WATCHED[1]!, BigInt(body.headBlockNumber)).toString(),
          verified: true,
          blockHash: block.hash,
          stateRoot: block.stateRoot,
        },
      );
    });
  });

  it('verifies at a block tag too: an older block by number proves its own balance', async () => {
    await withApp({ VERIFY_PROOFS: 'on' }, async (app) => {
      await cluster.mine();
      const number = cluster.number() - 1n;
      const res = await app.get(`/address/balance/${WATCHED[1]}?blockTag=0x${number.toString(16)}`);
      const body = res.body as Body & { blockNumber: string };
      const block = await cluster.synced[1]!.rpc<{ hash: string; stateRoot: string }>('eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);
      assert.deepEqual(
        { status: res.status, wei: body.balanceWei, at: body.blockNumber, verified: body.verified, hash: body.blockHash, stateRoot: body.stateRoot },
        { status: 200, wei: cluster.balanceAt(WATCHED[1]!, number).toString(), at: `0x${number.toString(16)}`, verified: true, hash: block.hash, stateRoot: block.stateRoot },
      );
    });
  });

  it('hedges a proof read: a provider that never answers eth_getProof does not hold the read past the deadline', async () => {
    // Without a hedge, the hung call would run into the 3 s deadline (its own timeout is 10 s).
    await withApp({ VERIFY_PROOFS: 'on', UPSTREAM_TIMEOUT_MS: '10000', REQUEST_DEADLINE_MS: '3000' }, async (app) => {
      proxies[0]!.set({ fault: { kind: 'hang' }, methods: ['eth_getProof'] });
      proxies[0]!.reset();
      for (const p of proxies.slice(1)) p.set({ fault: { kind: 'delay', ms: 15 }, methods: ['eth_getProof'] });
      const run = await drive(app, 2, '');
      assert.deepEqual({ wrong: run.wrong, failed: run.failed, unverified: run.unverified }, { wrong: 0, failed: 0, unverified: 0 });
      assert.ok((proxies[0]!.calls.get('eth_getProof') ?? 0) > 0, 'the hung provider was never asked');
    });
  });

  it('proves 0 for an account that does not exist', async () => {
    await withApp({ VERIFY_PROOFS: 'on' }, async (app) => {
      const res = await app.get(`/address/balance/${ABSENT}`);
      assert.deepEqual({ status: res.status, wei: (res.body as Body).balanceWei, verified: (res.body as Body).verified }, { status: 200, wei: '0', verified: true });
    });
  });

  it('answers 502 UNVERIFIABLE with each provider cause when the quorum cannot be reached', async () => {
    await withApp({ VERIFY_PROOFS: 'on', VERIFY_QUORUM: '3' }, async (app) => {
      await cluster.mine();
      proxies[2]!.set({ kind: 'status', status: 503 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const res = await app.get(`/address/balance/${WATCHED[0]}`);
      const body = res.body as { code: string; status: number; providers: { name: string; kind: string }[] };
      assert.deepEqual(
        { status: res.status, code: body.code, names: body.providers.map((p) => p.name) },
        { status: 502, code: 'UNVERIFIABLE', names: ['a', 'b', 'c'] },
      );
      assert.notEqual(body.providers.find((p) => p.name === 'c')?.kind, undefined);
      const text = JSON.stringify(body);
      assert.ok(!text.includes(FAKE_KEY) && !text.includes(FAKE_TOKEN), text);
    });
  });

  it('?verify=false reads unverified even when verification is on, and never shares cache entries', async () => {
    await withApp({ VERIFY_PROOFS: 'on' }, async (app) => {
      const unverified = await app.get(`/address/balance/${WATCHED[2]}?verify=false`);
      const verified = await app.get(`/address/balance/${WATCHED[2]}`);
      const bad = await app.get(`/address/balance/${WATCHED[2]}?verify=maybe`);
      assert.deepEqual(
        [unverified.status, (unverified.body as Body).verified, (unverified.body as Body).stateRoot, verified.status, (verified.body as Body).verified, bad.status],
        [200, false, undefined, 200, true, 400],
      );
    });
  });
});

describe('verified batches (POST /address/balances)', () => {
  const post = async (app: TestApp, query: string, addresses: readonly string[]) => {
    const res = await fetch(`${app.baseUrl}/address/balances${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses }) });
    return { status: res.status, body: (await res.json()) as { verified: boolean; stateRoot?: string; blockNumber: string; blockHash: string; balances: { address: string; balanceWei: string }[]; code?: string } };
  };

  it('proves every balance of a batch while provider a forges proofs, and a ends up untrusted', async () => {
    await withApp({ VERIFY_PROOFS: 'off' }, async (app) => {
      await cluster.mine();
      proxies[0]!.set({ kind: 'forge-proof' });
      for (const p of proxies.slice(1)) p.set({ fault: { kind: 'delay', ms: 15 }, methods: ['eth_getProof'] });
      // A batch's proofs go to the best-ranked provider; a few batches let the fast liar rank first.
      let untrusted = false;
      for (let round = 0; round < 6 && !untrusted; round++) {
        const { status, body } = await post(app, '?verify=true', ADDRESSES);
        const block = await cluster.synced[1]!.rpc<{ hash: string; stateRoot: string }>('eth_getBlockByNumber', [body.blockNumber, false]);
        const number = BigInt(body.blockNumber);
        assert.deepEqual(
          { status, verified: body.verified, stateRoot: body.stateRoot, hash: body.blockHash, balances: body.balances.map((b) => b.balanceWei) },
          { status: 200, verified: true, stateRoot: block.stateRoot, hash: block.hash, balances: ADDRESSES.map((a) => cluster.balanceAt(a, number).toString()) },
        );
        untrusted = (await stateOf(app, 'a')) === 'untrusted';
        await cluster.mine();
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      assert.equal(untrusted, true);
    });
  });

  it('says verified: false without verification, and refuses a bad verify value', async () => {
    await withApp({}, async (app) => {
      const plain = await post(app, '', ADDRESSES.slice(0, 2));
      const bad = await post(app, '?verify=1', ADDRESSES.slice(0, 2));
      assert.deepEqual([plain.status, plain.body.verified, plain.body.stateRoot, bad.status, bad.body.code], [200, false, undefined, 400, 'BAD_REQUEST']);
    });
  });
});

describe('unverified balances (VERIFY_PROOFS=off)', () => {
  it('answers verified: false, and ?verify=true verifies', async () => {
    await withApp({}, async (app) => {
      const plain = await app.get(`/address/balance/${WATCHED[3]}`);
      const asked = await app.get(`/address/balance/${WATCHED[3]}?verify=true`);
      assert.deepEqual([(plain.body as Body).verified, (asked.body as Body).verified, typeof (asked.body as Body).stateRoot], [false, true, 'string']);
    });
  });

  it('measures what a provider lying about balances does without verification', async (t) => {
    await withApp({ CACHE_TTL_SECONDS: '0' }, async (app) => {
      // As in the verified runs above: the liar answers fastest (a node serving empty state is quick).
      proxies[0]!.set({ kind: 'lie-balance' });
      for (const p of proxies.slice(1)) p.set({ fault: { kind: 'delay', ms: 15 }, methods: ['eth_getBalance'] });
      const off = await drive(app, 6, '');
      const on = await drive(app, 6, '?verify=true');
      t.diagnostic(`one of three providers lying (and fastest): verification off ${off.wrong} wrong of ${off.total}; on ${on.wrong} wrong of ${on.total}`);
      // The liar is healthy by every other measure, so the router prefers it.
      assert.ok(off.wrong > 0, `the lie never reached a client (${off.wrong}/${off.total})`);
      assert.equal(on.wrong, 0);
    });
  });
});
