/**
 * Our own bug on the read path (here: a TypeError thrown by the upstream-call observer, as a broken
 * metrics or tracing hook would) is ours: the client gets 500 INTERNAL, the log gets the stack, and
 * the provider keeps its score, its error count and a closed circuit. It never reads as "no
 * provider answered". Real parts only: anvil, the router, the service, the uWS server.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { BalanceReader } from '../balance/balance-reader.js';
import { Networks } from '../balance/served-networks.js';
import { BalanceCache } from '../cache/balance-cache.js';
import { genericFacts } from '../chain/chain-facts.js';
import { AddressMemo } from '../codec/address.js';
import { InlineCodec } from '../codec/codec-pool.js';
import { loadConfig } from '../config/config.js';
import { SEED_ADDRESS, seedDevnet, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { Metrics } from '../observability/metrics.js';
import { NO_TRACING } from '../observability/tracing.js';
import { ProviderRouter } from '../router/provider-router.js';
import { randomAddress } from '../testing/router-fixture.js';
import { createServer, type RunningServer } from './server.js';

const BUG = 'injected: cannot read properties of undefined';
let node: AnvilNode;
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
  const config = loadConfig({ RPC_URLS: `only=${node.url}`, EXPECTED_CHAIN_ID: '1', PORT: '0', HOST: '127.0.0.1' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
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
