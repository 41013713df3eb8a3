/**
 * SharedCache against a real redis-server: several SharedCache instances stand for several tasks.
 * Reads are counted, never mocked away: each `read` here is what a provider call would be.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisServerAvailable, requireRedis, startGarbageServer, startRedisServer, type RedisServer, type RedisServerOptions } from '../testing/redis-server.js';
import { loadSharedCacheConfig } from '../config/shared-cache-config.js';
import { SharedCache, type SharedOutcome, type SharedRead } from './shared-cache.js';
import { encodeSharedValue, sharedKey, type SharedKey } from './shared-cache-value.js';

const HASH = `0x${'ab'.repeat(32)}`;
let counter = 0;
/** A fresh key per test, so tests sharing one server never see each other's entries. */
function freshKey(verified = false): SharedKey {
  counter++;
  return { chainId: 1, blockHash: HASH, address: `0x${counter.toString(16).padStart(40, '0')}`, verified };
}

const FAST_BREAKER = { consecutiveFailures: 3, windowSize: 10, windowFailures: 5, baseCooldownMs: 50, maxCooldownMs: 100, forgetAfterMs: 60_000 };

function task(url: string, env: Record<string, string> = {}): SharedCache {
  const cache = new SharedCache({
    // Generous (a busy test machine must not turn a slow answer into a miss); hang tests still time out.
    config: loadSharedCacheConfig({ REDIS_URL: url, REDIS_TIMEOUT_MS: '400', ...env })!,
    upstreamTimeoutMs: 300,
    breakerPolicy: FAST_BREAKER,
  });
  cache.start();
  return cache;
}

async function ready(cache: SharedCache): Promise<void> {
  await cache.whenSharing();
  assert.ok(cache.sharing(), 'connected and subscribed');
}

function counted(wei: bigint, delayMs = 0) {
  const reads = { n: 0 };
  const read = async (): Promise<SharedRead & { from: string }> => {
    reads.n++;
    if (delayMs > 0) await sleep(delayMs);
    return { wei, from: 'upstream' };
  };
  return { reads, read };
}

function wei(outcome: SharedOutcome<SharedRead>): bigint {
  return outcome.source === 'shared' ? outcome.value.wei : outcome.read.wei;
}

describe('SharedCache on a real Redis', () => {
  let redis: RedisServer | undefined;
  const open: SharedCache[] = [];
  const make = (env?: Record<string, string>) => {
    const cache = task(redis!.url, env);
    open.push(cache);
    return cache;
  };

  before(async () => {
    if (redisServerAvailable()) {
      redis = await startRedisServer();
    }
  });
  after(async () => {
    await Promise.all(open.map((c) => c.close()));
    await redis?.stop();
  });

  it('shares a provider read with another task: the second task reads nothing', async (t) => {
    if (!requireRedis(t)) return;
    const [a, b] = [make(), make()];
    await Promise.all([ready(a), ready(b)]);
    const key = freshKey();
    const first = counted(42n);
    assert.deepEqual(await a.load(key, first.read), { source: 'read', read: { wei: 42n, from: 'upstream' } });
    await a.settled(); // the fill is off the response's path
    const second = counted(99n);
    assert.deepEqual(await b.load(key, second.read), {
      source: 'shared',
      value: { ...key, wei: 42n, stateRoot: undefined },
    });
    assert.equal(first.reads.n + second.reads.n, 1);
    assert.equal(b.stats.hits, 1);
    assert.equal(a.stats.misses, 1);
  });

  it('coalesces concurrent misses across tasks: one read, the others get its answer', async (t) => {
    if (!requireRedis(t)) return;
    const tasks = [make(), make(), make()];
    await Promise.all(tasks.map(ready));
    const key = freshKey();
    const upstream = counted(7n, 100);
    const outcomes = await Promise.all(tasks.map((cache) => cache.load(key, upstream.read)));
    assert.deepEqual(outcomes.map(wei), [7n, 7n, 7n]);
    assert.equal(upstream.reads.n, 1);
    assert.equal(tasks.reduce((n, c) => n + c.stats.coalescedWaits, 0), 2);
  });

  it('stops waiting for a filler that takes too long and reads for itself', async (t) => {
    if (!requireRedis(t)) return;
    const [a, b] = [make(), make()];
    await Promise.all([ready(a), ready(b)]);
    const key = freshKey();
    // A's read takes longer than REDIS_TIMEOUT_MS (200) + the upstream timeout (300).
    const slow = a.load(key, counted(1n, 900).read);
    await sleep(30);
    const own = counted(1n);
    assert.equal(wei(await b.load(key, own.read)), 1n);
    assert.equal(own.reads.n, 1);
    assert.equal(b.stats.waitTimeouts, 1);
    await slow;
  });

  it('wakes waiters at once when the filler read fails, and they read for themselves', async (t) => {
    if (!requireRedis(t)) return;
    const [a, b] = [make(), make()];
    await Promise.all([ready(a), ready(b)]);
    const key = freshKey();
    const failing = a.load(key, async () => {
      await sleep(80);
      throw new Error('upstream 502');
    });
    await sleep(20);
    const own = counted(5n);
    const waited = b.load(key, own.read);
    await assert.rejects(failing, /upstream 502/);
    assert.equal(wei(await waited), 5n);
    assert.equal(own.reads.n, 1);
    assert.equal(b.stats.waitTimeouts, 1);
  });

  it('never serves a poisoned value: garbage or another address is ignored and overwritten', async (t) => {
    if (!requireRedis(t)) return;
    const cache = make();
    await ready(cache);
    for (const poison of ['garbage', encodeSharedValue({ ...freshKey(), wei: 666n, stateRoot: undefined })]) {
      const key = freshKey();
      const entry = sharedKey('balance-api:', key);
      await redis!.poison(entry, poison);
      const upstream = counted(10n);
      assert.deepEqual(await cache.load(key, upstream.read), { source: 'read', read: { wei: 10n, from: 'upstream' } });
      assert.equal(upstream.reads.n, 1);
      await cache.settled();
      assert.equal(await redis!.command('GET', entry), `$${encodeSharedValue({ ...key, wei: 10n, stateRoot: undefined }).length}\r\n${encodeSharedValue({ ...key, wei: 10n, stateRoot: undefined })}\r\n`);
    }
    assert.equal(cache.stats.errors.poison, 2);
  });

  it('keeps verified and unverified entries apart', async (t) => {
    if (!requireRedis(t)) return;
    const cache = make();
    await ready(cache);
    const plain = freshKey();
    await cache.load(plain, counted(3n).read);
    await cache.settled();
    const verified = { ...plain, verified: true };
    const upstream = { n: 0 };
    const outcome = await cache.load(verified, async () => {
      upstream.n++;
      return { wei: 3n, stateRoot: `0x${'ee'.repeat(32)}` };
    });
    assert.equal(outcome.source, 'read');
    assert.equal(upstream.n, 1);
  });

  it('answers a batch in one round trip: shared entries, misses and poison apart', async (t) => {
    if (!requireRedis(t)) return;
    const [a, b] = [make(), make()];
    await Promise.all([ready(a), ready(b)]);
    const [known, unknown, poisoned] = [freshKey(), freshKey(), freshKey()];
    a.fillMany([{ ...known, wei: 11n, stateRoot: undefined }]);
    await redis!.poison(sharedKey('balance-api:', poisoned), encodeSharedValue({ ...known, wei: 666n, stateRoot: undefined }));
    await a.settled();
    assert.deepEqual(await b.getMany([known, unknown, poisoned]), [{ ...known, wei: 11n, stateRoot: undefined }, undefined, undefined]);
    assert.deepEqual({ hits: b.stats.hits, misses: b.stats.misses, poison: b.stats.errors.poison }, { hits: 1, misses: 1, poison: 1 });
    assert.equal(a.stats.fills, 1);
  });

  it('uses the key prefix', async (t) => {
    if (!requireRedis(t)) return;
    const cache = make({ REDIS_KEY_PREFIX: 'green-test:' });
    await ready(cache);
    await cache.load(freshKey(), counted(1n).read);
    await cache.settled();
    assert.equal((await redis!.keys('green-test:*')).length, 1);
  });
});

describe('SharedCache when Redis fails', () => {
  /**
   * A redis-server of the test's own (it gets killed, hung, restarted) and tasks opened on it (or
   * on another URL), all closed and stopped however the test ends.
   */
  async function ownRedis(options: RedisServerOptions, body: (redis: RedisServer, open: (url?: string) => SharedCache) => Promise<void>): Promise<void> {
    const redis = await startRedisServer(options);
    const tasks: SharedCache[] = [];
    try {
      await body(redis, (url = redis.url) => {
        const cache = task(url);
        tasks.push(cache);
        return cache;
      });
    } finally {
      redis.resume();
      await Promise.all(tasks.map((cache) => cache.close()));
      await redis.stop();
    }
  }

  it('answers from reads while Redis is killed, opens the breaker, and shares again after a restart', async (t) => {
    if (!requireRedis(t)) return;
    await ownRedis({}, async (redis, open) => {
      const [a, b] = [open(), open()];
      await Promise.all([ready(a), ready(b)]);
      await redis.kill();
      for (let i = 0; i < 6; i++) assert.equal(wei(await a.load(freshKey(), counted(1n).read)), 1n);
      assert.ok(a.stats.errors.connection >= 3, JSON.stringify(a.stats));
      assert.ok(a.stats.bypassed >= 1, JSON.stringify(a.stats));
      assert.equal(a.breakerState(), 'open');
      await redis.restart();
      await Promise.all([ready(a), ready(b)]);
      await sleep(150); // the breaker's cooldown, then a probe
      const key = freshKey();
      for (let i = 0; i < 3; i++) await a.load(freshKey(), counted(1n).read);
      await a.load(key, counted(8n).read);
      await a.settled();
      const again = counted(9n);
      assert.equal(wei(await b.load(key, again.read)), 8n);
      assert.equal(again.reads.n, 0);
      assert.equal(a.breakerState(), 'closed');
    });
  });

  it('starts sharing by itself when Redis comes up after the task started', async (t) => {
    if (!requireRedis(t)) return;
    await ownRedis({}, async (redis, open) => {
      await redis.kill();
      const [a, b] = [open(), open()];
      assert.equal(wei(await a.load(freshKey(), counted(1n).read)), 1n);
      await redis.restart();
      await Promise.all([ready(a), ready(b)]);
      await sleep(150); // the breaker's cooldown
      for (let i = 0; i < 3; i++) await a.load(freshKey(), counted(1n).read);
      const key = freshKey();
      const upstream = counted(3n, 100);
      const outcomes = await Promise.all([a.load(key, upstream.read), b.load(key, upstream.read)]);
      assert.deepEqual(outcomes.map(wei), [3n, 3n]);
      assert.equal(upstream.reads.n, 1, 'coalesced through the late subscription');
    });
  });

  it('answers from reads while Redis hangs (SIGSTOP), counts timeouts, and resumes after SIGCONT', async (t) => {
    if (!requireRedis(t)) return;
    await ownRedis({}, async (redis, open) => {
      const cache = open();
      await ready(cache);
      redis.hang();
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => cache.load(freshKey(), counted(2n).read)));
      assert.deepEqual(outcomes.map(wei), [2n, 2n, 2n, 2n, 2n]);
      assert.ok(cache.stats.errors.timeout >= 3, JSON.stringify(cache.stats));
      assert.equal(cache.breakerState(), 'open');
      redis.resume();
      await sleep(150);
      for (let i = 0; i < 5 && cache.breakerState() !== 'closed'; i++) {
        await cache.load(freshKey(), counted(2n).read);
        await sleep(60);
      }
      assert.equal(cache.breakerState(), 'closed');
    });
  });

  it('gives a batch nothing, without throwing, while Redis is down', async (t) => {
    if (!requireRedis(t)) return;
    await ownRedis({}, async (redis, open) => {
      const cache = open();
      await ready(cache);
      await redis.kill();
      assert.deepEqual(await cache.getMany([freshKey(), freshKey()]), [undefined, undefined]);
      cache.fillMany([{ ...freshKey(), wei: 1n, stateRoot: undefined }]);
      assert.ok(cache.stats.errors.connection >= 1, JSON.stringify(cache.stats));
    });
  });

  it('answers from reads when something other than Redis answers on the port', async (t) => {
    if (!requireRedis(t)) return;
    const garbage = await startGarbageServer();
    const cache = task(garbage.url);
    try {
      await sleep(100);
      for (let i = 0; i < 4; i++) assert.equal(wei(await cache.load(freshKey(), counted(4n).read)), 4n);
      const { errors } = cache.stats;
      assert.ok(errors.connection + errors.protocol + errors.timeout >= 3, JSON.stringify(cache.stats));
    } finally {
      await cache.close();
      await garbage.close();
    }
  });

  it('speaks TLS to a rediss:// URL with an AUTH token, and logs the URL without it', async (t) => {
    if (!requireRedis(t)) return;
    const password = 'tls-auth-token-0123456789';
    await ownRedis({ password, tls: true }, async (redis) => {
      const probe = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../testing/shared-cache-probe.ts', import.meta.url))], {
        env: { ...process.env, REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000', NODE_EXTRA_CA_CERTS: redis.caFile },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(probe.status, 0, probe.stderr);
      const lines = probe.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(lines.at(-1)!.result, {
        sharing: true,
        first: 'read',
        second: 'shared',
        reads: 1,
        errors: { timeout: 0, connection: 0, reply: 0, protocol: 0, poison: 0 },
      });
      assert.ok(lines.some((l) => l.message === 'shared cache connected' && l.redis === `rediss://***@localhost:${redis.port}`), probe.stdout);
      assert.doesNotMatch(probe.stdout + probe.stderr, new RegExp(password));
    });
  });

  it('authenticates with the URL password, and a wrong one only costs reads', async (t) => {
    if (!requireRedis(t)) return;
    await ownRedis({ password: 'correct-horse-battery' }, async (redis, open) => {
      const good = open();
      const bad = open(redis.url.replace('correct-horse-battery', 'wrong-password'));
      await ready(good);
      const key = freshKey();
      await good.load(key, counted(6n).read);
      await good.settled();
      assert.equal(wei(await good.load(key, counted(0n).read)), 6n);
      assert.equal(good.stats.hits, 1);
      await sleep(100);
      assert.equal(wei(await bad.load(key, counted(6n).read)), 6n);
      assert.equal(bad.stats.hits, 0);
    });
  });
});
