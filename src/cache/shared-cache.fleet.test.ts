/**
 * Several real service instances sharing one real redis-server and one counting fault proxy in
 * front of anvil: the fleet behaviour of the shared cache, end to end over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { redisServerAvailable, requireRedis, startRedisServer, type RedisServer } from '../testing/redis-server.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import { encodeSharedValue, sharedKey } from './shared-cache-value.js';

const available = redisServerAvailable();
const PREFIX = 'fleet-test:';

describe('a fleet sharing one Redis', { timeout: 120_000 }, () => {
  let anvil: AnvilNode;
  let proxy: FaultProxy;
  let redis: RedisServer;
  const apps: TestApp[] = [];
  let seeded: string[] = [];
  let fresh = 0;
  const balances = new Map<string, bigint>();

  const start = async (env: Record<string, string> = {}) => {
    const app = await startTestApp({
      RPC_URLS: proxy.url,
      ADDRESS_CHECKSUM: 'lenient',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      // Generous, so a busy test machine (four apps and anvil in one process pair) does not turn
      // a slow Redis answer into an upstream read and the counts below stay exact.
      REDIS_TIMEOUT_MS: '500',
      ...env,
    });
    apps.push(app);
    // Redis connects in the background (it never holds up a start); tests wait for it.
    await app.sharedCache?.whenSharing();
    assert.equal(app.sharedCache?.sharing(), true, 'connected to Redis and subscribed');
    return app;
  };
  const reads = () => proxy.calls.get('eth_getBalance') ?? 0;
  const freshAddress = () => `0x${'fe'.repeat(12)}${(++fresh).toString(16).padStart(16, '0')}`;
  /** GETs a balance and checks the whole answer's balance against the node itself. */
  const ask = async (app: TestApp, address: string) => {
    const res = await app.get(`/address/balance/${address}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.balanceWei, (balances.get(address) ?? 0n).toString(10), `${address} at ${res.body.headBlockNumber}`);
    return res.body as { balanceWei: string; headBlockNumber: string };
  };
  const metric = async (app: TestApp, name: string) => {
    const text = (await app.get('/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  before(async () => {
    if (!available) return;
    anvil = await startAnvil({ chainId: 1 });
    seeded = Array.from({ length: 12 }, (_, i) => `0x${'5e'.repeat(18)}${(i + 1).toString(16).padStart(4, '0')}`);
    for (const [i, address] of seeded.entries()) {
      const wei = BigInt(i + 1) * 10n ** 15n + 7n;
      balances.set(address, wei);
      await anvil.rpc('anvil_setBalance', [address, `0x${wei.toString(16)}`]);
    }
    await anvil.rpc('anvil_mine', ['0x1']);
    proxy = await startFaultProxy(anvil.url);
    redis = await startRedisServer();
    // In-process TTL 0: every request is an in-process miss, so every request exercises Redis.
    for (let i = 0; i < 3; i++) await start({ CACHE_TTL_SECONDS: '0' });
  });

  after(async () => {
    await Promise.allSettled(apps.map((app) => app.shutdown()));
    redis?.resume();
    await redis?.stop();
    await proxy?.close();
    await anvil?.stop();
  });

  it('reads a balance upstream once for the whole fleet when every task misses it at once', async (t) => {
    if (!requireRedis(t)) return;
    const fleet = apps.slice(0, 3);
    const address = seeded[0]!;
    proxy.set({ fault: { kind: 'delay', ms: 300 }, methods: ['eth_getBalance'] });
    const before = reads();
    const answers = await Promise.all(fleet.flatMap((app) => [ask(app, address), ask(app, address), ask(app, address)]));
    proxy.set({ kind: 'pass' });
    assert.equal(reads() - before, 1);
    assert.equal(new Set(answers.map((a) => a.balanceWei)).size, 1);
  });

  it('answers a warm fleet\'s addresses on a newcomer without an upstream read, and its in-process hits never ask Redis', async (t) => {
    if (!requireRedis(t)) return;
    const hot = seeded.slice(1, 9);
    for (const address of hot) await ask(apps[0]!, address);
    await apps[0]!.sharedCache?.settled(); // fills are written off the response's path
    const green = await start();
    const before = reads();
    for (const address of hot) await ask(green, address);
    assert.equal(reads() - before, 0, 'no upstream read on the newcomer');
    assert.equal(await metric(green, 'balance_api_shared_cache_hits_total'), hot.length);
    for (const address of hot) await ask(green, address);
    assert.equal(await metric(green, 'balance_api_shared_cache_hits_total'), hot.length, 'in-process hits do not touch Redis');
    assert.equal(await metric(green, 'balance_api_shared_cache_misses_total'), 0);
  });

  it('answers a batch on one task from what another task read, without an upstream read', async (t) => {
    if (!requireRedis(t)) return;
    const [a, b] = [apps[0]!, apps[1]!];
    const addresses = [seeded[9]!, seeded[10]!, freshAddress()];
    const post = async (app: TestApp) => {
      const res = await fetch(`${app.baseUrl}/address/balances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses }) });
      const body = (await res.json()) as { balances: Array<{ balanceWei: string }> };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(body.balances.map((item) => item.balanceWei), addresses.map((address) => (balances.get(address) ?? 0n).toString(10)));
    };
    await post(a);
    await a.sharedCache?.settled(); // the batch's fill is off the response's path
    const before = reads();
    await post(b);
    assert.equal(reads() - before, 0);
  });

  it('keeps answering 200 with the right balance while Redis is killed, restarted, hung and poisoned mid-load', async (t) => {
    if (!requireRedis(t)) return;
    const fleet = apps.slice(0, 3);
    const block = await anvil.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false]);
    let n = 0;
    /** One burst across the fleet: seeded and never-seen addresses, every answer checked. */
    const burst = async () => {
      await Promise.all(
        Array.from({ length: 24 }, (_, i) => ask(fleet[n++ % fleet.length]!, i % 2 === 0 ? seeded[i % seeded.length]! : freshAddress())),
      );
    };
    const poison = async () => {
      for (const address of seeded.slice(0, 6)) {
        const key = sharedKey(PREFIX, { chainId: 1, blockHash: block.hash, address, verified: false });
        const wrong = encodeSharedValue({ chainId: 1, blockHash: block.hash, address: seeded[11]!, verified: false, wei: 1n, stateRoot: undefined });
        await redis.poison(key, address === seeded[0] ? 'garbage' : wrong);
      }
    };
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['kill', () => redis.kill()],
      ['restart', () => redis.restart()],
      ['poison', poison],
      ['hang', () => redis.hang()],
      ['resume', () => redis.resume()],
    ];
    for (const [name, step] of steps) {
      const load = Promise.all([burst(), sleep(20).then(step), burst()]);
      await assert.doesNotReject(load, `during ${name}`);
      // Redis is never a dependency: readiness does not look at it, even while it is dead or hung.
      assert.equal((await fleet[0]!.get('/readyz')).status, 200, `/readyz after ${name}`);
      await burst();
    }
    // Sharing resumes by itself once the breakers let a probe through.
    let shared = false;
    for (let attempt = 0; attempt < 40 && !shared; attempt++) {
      const address = freshAddress();
      await ask(fleet[0]!, address);
      await fleet[0]!.sharedCache?.settled();
      const before = reads();
      await ask(fleet[1]!, address);
      shared = reads() === before;
      if (!shared) await sleep(200);
    }
    assert.ok(shared, 'a balance read by one task is answered from Redis on another again');
    // A poisoned entry, once asked for with Redis healthy, was served right and overwritten.
    // (Each task's breaker may still be cooling down; its probe comes within a few seconds.)
    const victim = seeded[2]!;
    const key = sharedKey(PREFIX, { chainId: 1, blockHash: block.hash, address: victim, verified: false });
    const expected = encodeSharedValue({ chainId: 1, blockHash: block.hash, address: victim, verified: false, wei: balances.get(victim)!, stateRoot: undefined });
    let stored = '';
    for (let attempt = 0; attempt < 40 && stored !== `$${expected.length}\r\n${expected}\r\n`; attempt++) {
      const app = fleet[attempt % fleet.length]!;
      await ask(app, victim);
      await app.sharedCache?.settled();
      stored = await redis.command('GET', key);
    }
    assert.equal(stored, `$${expected.length}\r\n${expected}\r\n`);
  });
});
