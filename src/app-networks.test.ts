/**
 * Several networks in one deployment, end to end: one real anvil per chain id (1 as mainnet, 8453
 * as base, 42161 as arbitrum), each behind a fault proxy that counts what it was asked, the real
 * service, plain HTTP. Each node holds its own balance for the same address, so an answer read
 * from the wrong node shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Wallet } from 'ethers';
import { startAnvil, type AnvilNode } from './dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from './testing/fault-proxy.js';
import { deployMulticall3 } from './testing/multicall3.js';
import { samples } from './testing/prometheus-text.js';
import { startTestApp, type TestApp } from './testing/start-app.js';
import type { ProviderSnapshot } from './router/upstream.js';
import { WatchClient } from './testing/watch-client.js';
import type { BlockMessage, ServerMessage, SnapshotMessage } from './watch/messages.js';

const hex = (n: bigint) => `0x${n.toString(16)}`;
const CHAINS = [
  { name: 'mainnet', chainId: 1 },
  { name: 'base', chainId: 8453 },
  { name: 'arbitrum', chainId: 42161 },
] as const;
type Name = (typeof CHAINS)[number]['name'];

interface Balance {
  network: string;
  chainId: number;
  blockNumber: string;
  blockHash: string;
  balanceWei: string;
  verified: boolean;
}

describe('several networks', () => {
  const nodes = new Map<Name, AnvilNode>();
  const proxies = new Map<Name, FaultProxy>();
  let stray: FaultProxy;
  let app: TestApp;
  const address = Wallet.createRandom().address;
  const batchAddresses = [Wallet.createRandom().address, Wallet.createRandom().address, address];
  /** Each network's balance of `address`: different on every node. */
  const weiOf = (name: Name) => String(1000n + BigInt(CHAINS.findIndex((c) => c.name === name)) * 111n);

  const post = async (body: unknown, query = '') => {
    const res = await fetch(`${app.baseUrl}/address/balances${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  before(async () => {
    const started = await Promise.all(CHAINS.map((c) => startAnvil({ chainId: c.chainId })));
    CHAINS.forEach((c, i) => nodes.set(c.name, started[i]!));
    for (const c of CHAINS) {
      const node = nodes.get(c.name)!;
      await node.rpc('anvil_setBalance', [address, hex(BigInt(weiOf(c.name)))]);
      for (const [i, a] of batchAddresses.slice(0, 2).entries()) await node.rpc('anvil_setBalance', [a, hex(BigInt(c.chainId) * 10n + BigInt(i))]);
      await node.rpc('anvil_mine', ['0x1']);
      proxies.set(c.name, await startFaultProxy(node.url));
    }
    // Multicall3 on mainnet only: base's batches must go through eth_getBalance.
    await deployMulticall3(nodes.get('mainnet')!);
    // The arbitrum node listed for base too: on the wrong chain there, never read for base.
    stray = await startFaultProxy(nodes.get('arbitrum')!.url);
    app = await startTestApp({
      NETWORKS: 'mainnet,base,42161',
      RPC_URLS: `m=${proxies.get('mainnet')!.url}`,
      RPC_URLS_BASE: `b=${proxies.get('base')!.url},stray=${stray.url}`,
      RPC_URLS_42161: `a=${proxies.get('arbitrum')!.url}`,
      HEAD_MAX_AGE_MS: '100',
      UPSTREAM_TIMEOUT_MS: '1000',
    });
  });

  after(async () => {
    await app?.shutdown();
    await Promise.all([...proxies.values(), stray].map((p) => p?.close()));
    await Promise.all([...nodes.values()].map((n) => n.stop()));
  });

  it('answers each network from its own node, by name or chain id, with the canonical name and chainId', async () => {
    for (const c of CHAINS) {
      const node = nodes.get(c.name)!;
      for (const form of [c.name, String(c.chainId)]) {
        const res = await app.get(`/address/balance/${address}?network=${form}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const head = await node.rpc<{ number: string; hash: string }>('eth_getBlockByHash', [res.body.blockHash, false]);
        assert.deepEqual(res.body, {
          address,
          network: c.name,
          chainId: c.chainId,
          blockTag: 'latest',
          balance: res.body.balance,
          balanceWei: weiOf(c.name),
          rpcLatencyMs: res.body.rpcLatencyMs,
          headBlockNumber: head.number,
          blockNumber: head.number,
          blockHash: head.hash,
          verified: false,
        });
      }
    }
    const plain = await app.get(`/address/balance/${address}`);
    assert.equal(plain.status, 200);
    assert.deepEqual([plain.body.network, plain.body.chainId, plain.body.balanceWei], ['mainnet', 1, weiOf('mainnet')]);
  });

  it('refuses a network not served, or a malformed one, with the configured names', async () => {
    for (const query of ['optimism', '10', 'Base', 'chain-8453', '', '0x2105']) {
      const res = await app.get(`/address/balance/${address}?network=${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.code, 'UNKNOWN_NETWORK', query);
      assert.deepEqual(res.body.networks, ['mainnet', 'base', 'arbitrum'], query);
    }
    for (const network of ['optimism', 10, 8453.5, null, true, ['base']]) {
      const res = await post({ addresses: [address], network });
      assert.equal(res.status, 400, JSON.stringify(network));
      assert.equal(res.body.code, 'UNKNOWN_NETWORK');
      assert.deepEqual(res.body.networks, ['mainnet', 'base', 'arbitrum']);
    }
  });

  it('reads batches per network: name, chain id as number and as string', async () => {
    for (const c of CHAINS) {
      for (const network of [c.name, c.chainId, String(c.chainId)]) {
        const res = await post({ addresses: batchAddresses, network });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.network, c.name);
        assert.equal(res.body.chainId, c.chainId);
        assert.deepEqual(
          res.body.balances.map((b: { balanceWei: string }) => b.balanceWei),
          [String(BigInt(c.chainId) * 10n), String(BigInt(c.chainId) * 10n + 1n), weiOf(c.name)],
        );
      }
    }
  });

  it('reads a batch through Multicall3 where the chain has it, and with eth_getBalance where not', async () => {
    const fresh = [Wallet.createRandom().address, Wallet.createRandom().address];
    proxies.get('mainnet')!.reset();
    proxies.get('base')!.reset();
    assert.equal((await post({ addresses: fresh, network: 'mainnet' })).status, 200);
    assert.equal((await post({ addresses: fresh, network: 'base' })).status, 200);
    assert.equal(proxies.get('mainnet')!.calls.get('eth_call'), 1);
    assert.equal(proxies.get('mainnet')!.calls.get('eth_getBalance') ?? 0, 0);
    assert.equal(proxies.get('base')!.calls.get('eth_call') ?? 0, 0);
    assert.equal(proxies.get('base')!.calls.get('eth_getBalance'), 2);
  });

  it('leaves a provider on the wrong chain out, and says why on /providers', async () => {
    stray.reset();
    const res = await app.get(`/address/balance/${Wallet.createRandom().address}?network=base&blockTag=finalized`);
    assert.equal(res.status, 200);
    assert.equal(stray.calls.get('eth_getBalance') ?? 0, 0);
    assert.equal(stray.calls.get('eth_getBlockByNumber') ?? 0, 0);
    const providers = (await app.get('/providers')).body as { network: string; providers: (ProviderSnapshot & { network: string; expectedChainId: number })[] };
    assert.equal(providers.network, 'mainnet');
    assert.deepEqual(
      providers.providers.map((p) => [p.network, p.name, p.chainId, p.expectedChainId, p.state === 'wrong-chain']),
      [
        ['mainnet', 'm', 1, 1, false],
        ['base', 'b', 8453, 8453, false],
        ['base', 'stray', 42161, 8453, true],
        ['arbitrum', 'a', 42161, 42161, false],
      ],
    );
  });

  it('verifies a read on a second network', async () => {
    const res = await app.get(`/address/balance/${address}?network=base&verify=true`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const block = await nodes.get('base')!.rpc<{ stateRoot: string }>('eth_getBlockByHash', [res.body.blockHash, false]);
    assert.deepEqual([res.body.network, res.body.chainId, res.body.balanceWei, res.body.verified, res.body.stateRoot], ['base', 8453, weiOf('base'), true, block.stateRoot]);
  });

  it('shows each network on /readyz and labels metrics with it', async () => {
    const ready = await app.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(
      ready.body.networks.map((n: { network: string; chainId: number; ready: boolean; headBlockNumber: string }) => [n.network, n.chainId, n.ready, typeof n.headBlockNumber]),
      [
        ['mainnet', 1, true, 'string'],
        ['base', 8453, true, 'string'],
        ['arbitrum', 42161, true, 'string'],
      ],
    );
    const metrics = samples(await (await fetch(`${app.baseUrl}/metrics`)).text());
    assert.ok(metrics.get('balance_api_upstream_calls_total{network="base",provider="b",method="eth_getBalance",outcome="ok"}')! >= 1);
    assert.equal(metrics.get('balance_api_provider_state{network="base",provider="stray",state="wrong-chain"}'), 1);
    assert.ok(metrics.get('balance_api_head_block_number{network="arbitrum"}')! >= 1);
  });

  it('watches each network from its own node over one GET /watch connection, and names the served ones for an unknown network', async () => {
    const client = await WatchClient.connect(`${app.baseUrl.replace('http', 'ws')}/watch`);
    try {
      const watched = Wallet.createRandom().address;
      for (const c of CHAINS.slice(0, 2)) await nodes.get(c.name)!.rpc('anvil_setBalance', [watched, hex(BigInt(c.chainId))]);
      client.send({ op: 'subscribe', id: 'm', addresses: [watched], network: 'mainnet' });
      client.send({ op: 'subscribe', id: 'b', addresses: [watched], network: 8453 });
      client.send({ op: 'subscribe', id: 'x', addresses: [watched], network: 'polygon' });
      const firsts = new Map<string, ServerMessage>();
      while (firsts.size < 3) {
        const m = await client.next();
        if ('id' in m && m.id !== undefined && !firsts.has(m.id)) firsts.set(m.id, m);
      }
      const snapshot = (id: string) => firsts.get(id) as SnapshotMessage;
      assert.deepEqual([snapshot('m').op, snapshot('m').network, snapshot('m').chainId, snapshot('m').balances[0]!.balanceWei], ['subscribed', 'mainnet', 1, '1']);
      assert.deepEqual([snapshot('b').op, snapshot('b').network, snapshot('b').chainId, snapshot('b').balances[0]!.balanceWei], ['subscribed', 'base', 8453, '8453']);
      const refused = firsts.get('x') as { op: string; code: string; detail: string };
      assert.deepEqual([refused.op, refused.code], ['error', 'UNKNOWN_NETWORK']);
      assert.match(refused.detail, /mainnet, base, arbitrum/);

      // A change on base only: base's subscription hears of it, from base's node.
      await nodes.get('base')!.rpc('anvil_setBalance', [watched, hex(99n)]);
      await nodes.get('base')!.rpc('anvil_mine', ['0x1']);
      const change = (await client.until((m) => m.op === 'block' && m.id === 'b' && m.changes.length > 0)) as BlockMessage;
      assert.deepEqual([change.network, change.chainId, change.changes[0]!.previousWei, change.changes[0]!.balanceWei], ['base', 8453, '8453', '99']);
      const seen = client.received.filter((m): m is BlockMessage => m.op === 'block' && m.id === 'm');
      assert.ok(seen.every((m) => m.network === 'mainnet' && m.changes.length === 0), 'mainnet saw no change');
    } finally {
      await client.close();
    }
  });

  it('keeps the other networks answering while one network is down', async () => {
    const before = await Promise.all((['mainnet', 'base'] as const).map((n) => app.get(`/address/balance/${address}?network=${n}`)));
    proxies.get('arbitrum')!.set({ kind: 'status', status: 503 });
    const down = await app.get(`/address/balance/${Wallet.createRandom().address}?network=arbitrum`);
    assert.equal(down.status, 502);
    const afterward = await Promise.all((['mainnet', 'base'] as const).map((n) => app.get(`/address/balance/${address}?network=${n}`)));
    assert.deepEqual(
      afterward.map((r) => [r.status, r.body.network, r.body.balanceWei]),
      before.map((r) => [200, r.body.network, r.body.balanceWei]),
    );
    assert.equal((await app.get('/readyz')).status, 200);
  });
});
