/**
 * Our own bug on the read path (here: a TypeError thrown by the upstream-call observer, as a broken
 * metrics or tracing hook would) is ours: the client gets 500 INTERNAL, the log gets the stack, and
 * the provider keeps its score, its error count and a closed circuit. It never reads as "no
 * provider answered". Real parts only: anvil, the router, the service, the uWS server, and for the
 * shared cache a real redis-server (the bug there: a broken entry decoder, inside a Redis round
 * trip, which must not read as Redis' failure either).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { BalanceReader } from '../balance/balance-reader.js';
import { Networks } from '../balance/served-networks.js';
import { BalanceCache } from '../cache/balance-cache.js';
import { genericFacts } from '../chain/chain-facts.js';
import { registerSharedCacheMetrics } from '../cache/shared-cache-metrics.js';
import { decodeSharedValue } from '../cache/shared-cache-value.js';
import { SharedCache } from '../cache/shared-cache.js';
import { AddressMemo } from '../codec/address.js';
import { InlineCodec } from '../codec/codec-pool.js';
import { loadConfig, type Config } from '../config/config.js';
import { loadSharedCacheConfig } from '../config/shared-cache-config.js';
import { SEED_ADDRESS, seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { Metrics } from '../observability/metrics.js';
import { NO_TRACING } from '../observability/tracing.js';
import { ProviderRouter } from '../router/provider-router.js';
import { redisServerAvailable, requireRedis, startRedisServer, type RedisServer } from '../testing/redis-server.js';
import { randomAddress } from '../testing/router-fixture.js';
import { createServer, type RunningServer } from './server.js';

const BUG = 'injected: cannot read properties of undefined';
let node: AnvilNode;
let config: Config;
let log: Logger;
let router: ProviderRouter;
let server: RunningServer;
let base: string;
let armed = false;
/** Arms the bug for a batch's chunk calls (eth_getBalance batches, or Multicall3's eth_call). */
let armedBatch = false;
const lines: Record<string, unknown>[] = [];

before(async () => {
  node = await startAnvil({ chainId: 1 });
  await seedDevnet(node);
  config = loadConfig({ RPC_URLS: `only=${node.url}`, EXPECTED_CHAIN_ID: '1', PORT: '0', HOST: '127.0.0.1' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  log = pino({ level: 'info' }, sink);
  const metrics = new Metrics();
  router = new ProviderRouter(config, log, {
    onCall: (_provider, method) => {
      if (armed && method === 'eth_getBalance') throw new TypeError(BUG);
      if (armedBatch && (method === 'eth_getBalance' || method === 'eth_call')) throw new TypeError(BUG);
    },
  });
  await router.start();
  await router.head();
  const codec = new InlineCodec();
  const cache = new BalanceCache(config.cacheTtlSeconds, config.cacheMaxEntries);
  const reader = new BalanceReader(router, cache);
  const memo = new AddressMemo(config.addressChecksum);
  const networks = new Networks([{ name: 'devnet', chainId: router.chainId()!, facts: genericFacts(router.chainId()!), router, reader, headMaxAgeMs: config.headMaxAgeMs }]);
  server = await createServer({ config, networks, memo, codec, inlineChecks: true, log, metrics, tracing: NO_TRACING }).listen();
  base = `http://127.0.0.1:${server.port}`;
});

after(async () => {
  server?.close();
  await router?.close();
  await node?.stop();
});

/** The 500 a bug answers: problem+json, nothing of the bug in the body. */
async function assertInternal(res: Response, instance: string): Promise<void> {
  assert.equal(res.status, 500);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.deepEqual(await res.json(), {
    type: '/problems/internal',
    title: 'Internal error',
    status: 500,
    code: 'INTERNAL',
    detail: 'Unexpected error',
    instance,
  });
}

const internalErrors = () => lines.filter((l) => l.msg === 'request failed: internal error');

/** Five bugs logged with their stack, no 502 logged, and the provider as healthy as before; returns its snapshot. */
function assertBugLoggedAndUnblamed(logged: readonly Record<string, unknown>[]) {
  assert.equal(logged.length, 5);
  assert.equal(logged[0]!.err, BUG);
  assert.match(String(logged[0]!.stack), new RegExp(`^TypeError: ${BUG}\\n\\s+at `));
  assert.equal(lines.filter((l) => l.code === 'UPSTREAM_UNAVAILABLE' || /no provider answered/.test(String(l.detail))).length, 0);
  const provider = router.snapshot()[0]!;
  assert.equal(provider.state, 'healthy');
  assert.equal(provider.errors, 0);
  assert.equal(provider.lastError, undefined);
  return provider;
}

describe('a programming error on the read path', () => {
  it('answers 500 INTERNAL with its stack logged, and leaves the provider healthy and unblamed', async () => {
    const before = router.snapshot()[0]!;
    assert.equal(before.state, 'healthy');
    armed = true;
    // More than the breaker's 3 consecutive failures, each a cache miss that reaches the provider.
    for (let i = 0; i < 5; i++) {
      const path = `/address/balance/${randomAddress()}`;
      const res = await fetch(base + path);
      await assertInternal(res, path);
    }
    armed = false;

    const logged = lines.filter((l) => l.msg === 'request failed: internal error');
    assert.equal(logged[0]!.level, 50);
    const provider = assertBugLoggedAndUnblamed(logged);
    assert.deepEqual(provider.recent, { ok: before.recent!.ok + 5, errors: 0, rateLimited: 0 });
    assert.equal(provider.score, 1);

    // And it serves the next read at once.
    const res = await fetch(`${base}/address/balance/${SEED_ADDRESS}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { balanceWei: string }).balanceWei, '136500000000000');
  });

  it('answers a batch 500 INTERNAL with its stack logged, and books no provider failure nor a 502', async () => {
    const before = router.snapshot()[0]!;
    assert.equal(before.state, 'healthy');
    const loggedBefore = lines.filter((l) => l.msg === 'request failed: internal error').length;
    armedBatch = true;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/address/balances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ addresses: [randomAddress(), randomAddress(), randomAddress()] }),
      });
      await assertInternal(res, '/address/balances');
    }
    armedBatch = false;

    const provider = assertBugLoggedAndUnblamed(lines.filter((l) => l.msg === 'request failed: internal error').slice(loggedBefore));
    assert.equal(provider.recent!.errors, 0);
    assert.equal(provider.score, 1);

    const res = await fetch(`${base}/address/balances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses: [SEED_ADDRESS] }) });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { balances: { balanceWei: string }[] }).balances[0]!.balanceWei, '136500000000000');
  });
});

describe('a programming error in the shared cache', () => {
  let redis: RedisServer | undefined;
  let shared: SharedCache;
  let sharedServer: RunningServer;
  let sharedBase: string;
  let armedDecode = false;
  const metrics = new Metrics();

  before(async () => {
    if (!redisServerAvailable()) return;
    redis = await startRedisServer();
    shared = new SharedCache({
      config: loadSharedCacheConfig({ REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000' })!,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      logger: log,
      decode: (raw, key) => {
        if (armedDecode) throw new TypeError(BUG);
        return decodeSharedValue(raw, key);
      },
    });
    registerSharedCacheMetrics(metrics.registry, shared);
    shared.start();
    await shared.whenSharing();
    // In-process TTL 0: every request is an in-process miss and asks the shared cache.
    const reader = new BalanceReader(router, new BalanceCache(0, config.cacheMaxEntries), shared);
    const memo = new AddressMemo(config.addressChecksum);
    const networks = new Networks([{ name: 'devnet', chainId: router.chainId()!, facts: genericFacts(router.chainId()!), router, reader, headMaxAgeMs: config.headMaxAgeMs }]);
    sharedServer = await createServer({ config, networks, memo, codec: new InlineCodec(), inlineChecks: true, log, metrics, tracing: NO_TRACING }).listen();
    sharedBase = `http://127.0.0.1:${sharedServer.port}`;
  });

  after(async () => {
    sharedServer?.close();
    await shared?.close();
    await redis?.stop();
  });

  /** The Redis breaker closed and no Redis failure counted, on the cache and on /metrics. */
  async function assertRedisUnblamed(): Promise<void> {
    assert.equal(shared.breakerState(), 'closed');
    assert.deepEqual(shared.stats.errors, { timeout: 0, connection: 0, reply: 0, protocol: 0, poison: 0 });
    const text = await (await fetch(`${sharedBase}/metrics`)).text();
    const samples = text.split('\n').filter((l) => /^balance_api_shared_cache_(breaker_state|errors_total)\{/.test(l));
    assert.deepEqual(samples, [
      'balance_api_shared_cache_errors_total{kind="timeout"} 0',
      'balance_api_shared_cache_errors_total{kind="connection"} 0',
      'balance_api_shared_cache_errors_total{kind="reply"} 0',
      'balance_api_shared_cache_errors_total{kind="protocol"} 0',
      'balance_api_shared_cache_errors_total{kind="poison"} 0',
      'balance_api_shared_cache_breaker_state{state="closed"} 1',
      'balance_api_shared_cache_breaker_state{state="open"} 0',
      'balance_api_shared_cache_breaker_state{state="half-open"} 0',
    ]);
  }

  it('answers a GET 500 INTERNAL with its stack logged, leaving the provider and the Redis breaker as they were', async (t) => {
    if (!requireRedis(t)) return;
    const address = randomAddress();
    const path = `/address/balance/${address}`;
    assert.equal((await fetch(sharedBase + path)).status, 200);
    await shared.settled(); // the entry is in Redis: the next GETs decode it
    const loggedBefore = internalErrors().length;
    armedDecode = true;
    // More than the Redis breaker's 3 consecutive failures.
    for (let i = 0; i < 5; i++) await assertInternal(await fetch(sharedBase + path), path);
    armedDecode = false;

    assertBugLoggedAndUnblamed(internalErrors().slice(loggedBefore));
    await assertRedisUnblamed();
    const res = await fetch(sharedBase + path);
    assert.equal(res.status, 200);
    assert.equal(shared.stats.hits, 1, 'served from Redis again');
  });

  it('answers a batch 500 INTERNAL with its stack logged, leaving the provider and the Redis breaker as they were', async (t) => {
    if (!requireRedis(t)) return;
    const loggedBefore = internalErrors().length;
    const post = (addresses: string[]) =>
      fetch(`${sharedBase}/address/balances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses }) });
    armedDecode = true;
    for (let i = 0; i < 5; i++) await assertInternal(await post([randomAddress(), randomAddress(), randomAddress()]), '/address/balances');
    armedDecode = false;

    assertBugLoggedAndUnblamed(internalErrors().slice(loggedBefore));
    await assertRedisUnblamed();
    const res = await post([SEED_ADDRESS]);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { balances: { balanceWei: string }[] }).balances[0]!.balanceWei, '136500000000000');
  });
});
