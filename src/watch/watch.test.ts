/**
 * GET /watch on a real chain: THE INVARIANT (snapshot + changes == eth_getBalance at the block of
 * the last message) checked after every message, through transfers, a contract forwarding ETH,
 * a balance change with no transaction, a reorg, a block whose read failed, safe and finalized,
 * and add / remove / unsubscribe.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWatchRig, DEV_0, DEV_1, type WatchRig } from '../testing/watch-rig.js';
import type { WatchClient } from '../testing/watch-client.js';
import type { BlockMessage, ServerMessage, SnapshotMessage } from './messages.js';

const X = '0x1111111111111111111111111111111111111111';
const Y = '0x2222222222222222222222222222222222222222';
const FORWARDER = '0x00000000000000000000000000000000000F0f0F';
const ETHER = 10n ** 18n;

/** Runtime code that forwards the value it receives to X: CALL(gas, X, callvalue, 0, 0, 0, 0). */
const FORWARDER_CODE = `0x60006000600060003473${X.slice(2)}5af100`;

describe('GET /watch: the invariant on a real chain', () => {
  let rig: WatchRig;
  let client: WatchClient;

  /** The next message, with the invariant checked for its subscription. */
  const next = async (): Promise<ServerMessage> => {
    const m = await client.next();
    if (m.op === 'subscribed' || m.op === 'added' || m.op === 'block') await client.check(m.id, rig.balanceAt);
    return m;
  };
  const nextBlock = async (id: string): Promise<BlockMessage> => {
    for (;;) {
      const m = await next();
      if (m.op === 'block' && m.id === id) return m;
      assert.ok(m.op === 'block', `unexpected ${JSON.stringify(m)}`);
    }
  };

  before(async () => {
    rig = await startWatchRig();
    await rig.node.rpc('anvil_setCode', [FORWARDER, FORWARDER_CODE]);
    client = await rig.connect();
  });
  after(async () => {
    await client?.close();
    await rig?.stop();
  });

  it('answers a subscribe with a snapshot at one block, EIP-55, first-seen order, duplicates once', async () => {
    client.send({ op: 'subscribe', id: 's1', addresses: [DEV_0, X, DEV_0, DEV_1] });
    const m = (await next()) as SnapshotMessage;
    const head = await rig.node.rpc<{ number: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
    assert.deepEqual(
      { ...m, balances: m.balances.map((b) => b.address) },
      { op: 'subscribed', id: 's1', network: m.network, chainId: 31337, blockTag: 'latest', blockNumber: head.number, blockHash: head.hash, balances: [DEV_0, X, DEV_1] },
    );
    assert.equal(typeof m.network, 'string');
    const batch = await fetch(`${rig.app.baseUrl}/address/balances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ addresses: [DEV_0, X, DEV_1] }),
    }).then((r) => r.json() as Promise<{ blockHash: string; balances: unknown[]; network: string }>);
    assert.equal(batch.blockHash, m.blockHash);
    assert.equal(batch.network, m.network);
    assert.deepEqual(m.balances, batch.balances, 'the same exact strings as the batch route');
  });

  it('sends the changes of a transfer between accounts, gas included', async () => {
    const before = client.states.get('s1')!.blockNumber;
    await rig.transfer(DEV_0, DEV_1, ETHER);
    const m = await nextBlock('s1');
    assert.equal(BigInt(m.blockNumber), BigInt(before) + 1n);
    assert.equal(m.reorg, false);
    assert.deepEqual(m.changes.map((c) => c.address).sort(), [DEV_0, DEV_1].sort());
  });

  it('sees ETH a contract forwards to a watched address (no transaction to it)', async () => {
    await rig.transfer(DEV_1, FORWARDER, 3n * ETHER);
    const m = await nextBlock('s1');
    assert.deepEqual(m.changes.map((c) => [c.address, c.balanceWei, c.previousWei]).find(([a]) => a === X), [X, String(3n * ETHER), '0']);
  });

  it('sees a balance change with no transaction at all (anvil_setBalance, then an empty block)', async () => {
    await rig.change(async () => {
      await rig.node.rpc('anvil_setBalance', [X, '0x1234']);
      await rig.node.rpc('anvil_mine', ['0x1']);
    });
    const m = await nextBlock('s1');
    assert.deepEqual(m.changes, [{ address: X, balance: '0.00000000000000466', balanceWei: '4660', previousWei: String(3n * ETHER) }]);
  });

  it('sends a heartbeat with no changes for a block that changed nothing watched', async () => {
    await rig.change(() => rig.node.rpc('anvil_mine', ['0x1']));
    const m = await nextBlock('s1');
    assert.deepEqual(m.changes, []);
  });

  it('marks a reorg and corrects the balances of the replaced block', async () => {
    await rig.transfer(DEV_0, X, ETHER);
    const replaced = await nextBlock('s1');
    await rig.change(() => rig.node.rpc('anvil_reorg', [1, [[{ from: DEV_0, to: X, value: `0x${(5n * ETHER).toString(16)}` }, 0]]]));
    const m = await nextBlock('s1');
    assert.equal(m.reorg, true);
    assert.equal(m.previousBlockHash, replaced.blockHash);
    assert.equal(m.blockNumber, replaced.blockNumber);
    assert.ok(m.changes.some((c) => c.address === X && c.balanceWei === String(4660n + 5n * ETHER)));
  });

  it('skips a block whose read failed; the next message covers it', async () => {
    const last = client.states.get('s1')!.blockHash;
    const skipped = await rig.metric('balance_api_watch_blocks_skipped_total{network="devnet"}');
    rig.proxy.set({ fault: { kind: 'status', status: 500 }, methods: ['eth_getBalance'] });
    await rig.transfer(DEV_0, X, ETHER);
    while ((await rig.metric('balance_api_watch_blocks_skipped_total{network="devnet"}')) === skipped) await new Promise((r) => setImmediate(r));
    rig.proxy.set({ kind: 'pass' });
    await rig.transfer(DEV_1, X, ETHER);
    const m = await nextBlock('s1');
    assert.equal(m.previousBlockHash, last, 'relative to what was delivered');
    const head = await rig.node.rpc<{ number: string }>('eth_getBlockByNumber', ['latest', false]);
    assert.equal(m.blockNumber, head.number);
  });

  it('adds at the last delivered block, removes, and unsubscribes', async () => {
    client.send({ op: 'add', id: 's1', addresses: [Y, X] });
    const added = (await next()) as SnapshotMessage;
    assert.equal(added.op, 'added');
    assert.equal(added.blockHash, client.states.get('s1')!.blockHash);
    assert.deepEqual(added.balances.map((b) => b.address), [Y, X]);
    client.send({ op: 'remove', id: 's1', addresses: [X] });
    assert.deepEqual(await next(), { op: 'removed', id: 's1' });
    client.forget('s1', [X]);
    client.send({ op: 'subscribe', id: 's2', addresses: [X] });
    assert.equal((await next()).op, 'subscribed');
    await rig.transfer(DEV_0, X, ETHER);
    const [a, b] = [await next(), await next()] as BlockMessage[];
    const byId = new Map([a!, b!].map((m) => [m.id, m]));
    assert.deepEqual(byId.get('s1')!.changes.map((c) => c.address), [DEV_0], 'X is no longer watched by s1');
    assert.deepEqual(byId.get('s2')!.changes.map((c) => c.address), [X]);
    client.send({ op: 'unsubscribe', id: 's2' });
    assert.deepEqual(await next(), { op: 'unsubscribed', id: 's2' });
    await rig.transfer(DEV_1, X, ETHER);
    const m = await nextBlock('s1');
    assert.deepEqual(m.changes.map((c) => c.address), [DEV_1]);
  });

  it('follows safe and finalized, each at its own block', async () => {
    client.send({ op: 'subscribe', id: 'safe', addresses: [X, DEV_0], blockTag: 'safe' });
    client.send({ op: 'subscribe', id: 'fin', addresses: [X], blockTag: 'finalized' });
    const snapshots = new Map<string, SnapshotMessage>();
    while (snapshots.size < 2) {
      const m = await next();
      if (m.op === 'subscribed') snapshots.set(m.id, m);
    }
    const head = BigInt((await rig.node.rpc<{ number: string }>('eth_getBlockByNumber', ['latest', false])).number);
    assert.equal(BigInt(snapshots.get('safe')!.blockNumber), head - 32n);
    assert.equal(BigInt(snapshots.get('fin')!.blockNumber), head - 64n);
    assert.equal(snapshots.get('safe')!.blockTag, 'safe');
    await rig.change(() => rig.node.rpc('anvil_mine', ['0x1']));
    const seen = new Map<string, BlockMessage>();
    while (seen.size < 3) {
      const m = await next();
      if (m.op === 'block') seen.set(m.id, m);
    }
    assert.equal(BigInt(seen.get('safe')!.blockNumber), head + 1n - 32n);
    assert.equal(BigInt(seen.get('fin')!.blockNumber), head + 1n - 64n);
  });

  it('counts what it did in /metrics', async () => {
    assert.equal(await rig.metric('balance_api_watch_connections'), 1);
    assert.equal(await rig.metric('balance_api_watch_subscriptions{network="devnet"}'), 3);
    assert.ok((await rig.metric('balance_api_watch_messages_total{op="block"}')) >= 8);
    assert.ok((await rig.metric('balance_api_watch_upstream_requests_total{network="devnet"}')) > 0);
    assert.ok((await rig.metric('balance_api_watch_delivery_delay_seconds_count{network="devnet"}')) >= 8);
  });
});
