/**
 * Two tasks sharing Redis (REDIS_URL) watching the same addresses: a block's balances are read
 * upstream by the first task to adopt it and served to the second from the shared level, and
 * both hold the invariant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { requireRedis, redisServerAvailable, startRedisServer, type RedisServer } from '../testing/redis-server.js';
import { startWatchRig, DEV_0, type WatchRig } from '../testing/watch-rig.js';
import type { WatchClient } from '../testing/watch-client.js';

const ADDRESSES = Array.from({ length: 20 }, (_, i) => `0x${'ab'.repeat(18)}${(i + 1).toString(16).padStart(4, '0')}`);

describe('GET /watch: two tasks sharing Redis', () => {
  let node: AnvilNode;
  let redis: RedisServer | undefined;
  const rigs: WatchRig[] = [];
  const clients: WatchClient[] = [];

  before(async () => {
    if (!redisServerAvailable()) return;
    node = await startAnvil({ chainId: 31337 });
    await node.rpc('anvil_mine', ['0x50']);
    redis = await startRedisServer();
    for (let i = 0; i < 2; i++) rigs.push(await startWatchRig({ REDIS_URL: redis.url, ADDRESS_CHECKSUM: 'lenient' }, node));
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(rigs.map((r) => r.stop()));
    await redis?.stop();
    await node?.stop();
  });

  it('reads a block once for both tasks', async (t) => {
    if (!requireRedis(t)) return;
    const [first, second] = rigs as [WatchRig, WatchRig];
    for (const rig of rigs) {
      const client = await rig.connect();
      clients.push(client);
      client.send({ op: 'subscribe', id: 's', addresses: ADDRESSES });
      assert.equal((await client.next()).op, 'subscribed');
      await client.check('s', rig.balanceAt);
    }
    // The second task sees new heads later, so the first has filled the shared level by then.
    second.proxy.set({ fault: { kind: 'delay', ms: 300 }, methods: ['eth_getBlockByNumber'] });
    first.proxy.reset();
    second.proxy.reset();
    await first.change(() => second.change(() => node.rpc('eth_sendTransaction', [{ from: DEV_0, to: ADDRESSES[0], value: '0x10' }])));
    for (const [i, client] of clients.entries()) {
      const m = await client.until((x) => x.op === 'block');
      assert.equal(m.op === 'block' && m.changes.length, 1);
      await client.check('s', rigs[i]!.balanceAt);
    }
    second.proxy.set({ kind: 'pass' });
    assert.equal(first.proxy.calls.get('eth_getBalance'), ADDRESSES.length);
    assert.equal(second.proxy.calls.get('eth_getBalance') ?? 0, 0);
  });
});
