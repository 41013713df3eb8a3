/**
 * The balance API end to end: a real anvil node behind a real fault proxy, the real uWS server on
 * an ephemeral port, plain HTTP from the outside.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Wallet } from 'ethers';
import { startAnvil, type AnvilNode } from './dev/local-devnet.js';
import { expectedProblem } from './testing/expected-problem.js';
import { startFaultProxy, type FaultProxy } from './testing/fault-proxy.js';
import { startTestApp, type TestApp } from './testing/start-app.js';

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const PROBLEM = 'application/problem+json';

/** A fresh checksummed address nobody has asked for yet, so its read is a cache miss. */
const fresh = () => Wallet.createRandom().address;

async function fund(node: AnvilNode, address: string, wei: bigint): Promise<void> {
  await node.rpc('anvil_setBalance', [address, `0x${wei.toString(16)}`]);
  await node.rpc('anvil_mine', ['0x1']);
}

/** Waits past the head's max age so the next request sees the newest block. */
const headMaxAgeMs = 200;
const nextHead = () => new Promise((r) => setTimeout(r, headMaxAgeMs + 50));

describe('GET /address/balance/:address', () => {
  let node: AnvilNode;
  let proxy: FaultProxy;
  let app: TestApp;

  before(async () => {
    node = await startAnvil({ chainId: 1 });
    proxy = await startFaultProxy(node.url);
    await fund(node, SEED, 136_500_000_000_000n);
    app = await startTestApp({
      RPC_URLS: `primary=${proxy.url}`,
      EXPECTED_CHAIN_ID: '1',
      UPSTREAM_TIMEOUT_MS: '300',
      REQUEST_DEADLINE_MS: '1500',
      HEAD_MAX_AGE_MS: String(headMaxAgeMs),
      CACHE_TTL_SECONDS: '30',
    });
  });
  after(async () => {
    await app?.shutdown();
    await proxy?.close();
    await node?.stop();
  });

  it("answers the seed's contract for a funded address, read at the current head", async () => {
    await nextHead();
    const head = await node.rpc<{ number: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
    const res = await app.get(`/address/balance/${SEED}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(typeof res.body.rpcLatencyMs, 'number');
    assert.ok(res.body.rpcLatencyMs >= 0);
    assert.deepEqual(res.body, {
      address: SEED,
      network: 'mainnet',
      chainId: 1,
      blockTag: 'latest',
      balance: '0.0001365',
      balanceWei: '136500000000000',
      rpcLatencyMs: res.body.rpcLatencyMs,
      headBlockNumber: head.number,
      blockNumber: head.number,
      blockHash: head.hash,
      verified: false,
    });
  });

  it('keeps every digit of 2^200-1 wei', async () => {
    const address = fresh();
    await fund(node, address, 2n ** 200n - 1n);
    await nextHead();
    const res = await app.get(`/address/balance/${address}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.balanceWei, (2n ** 200n - 1n).toString());
    assert.equal(res.body.balance, '1606938044258990275541962092341162602522202.993782792835301375');
  });

  it('serves repeats from the cache and re-reads once the head moves', async () => {
    const address = fresh();
    await fund(node, address, 1000n);
    await nextHead();
    proxy.reset();
    const first = await app.get(`/address/balance/${address}`);
    const second = await app.get(`/address/balance/${address}`);
    assert.deepEqual(second.body, first.body);
    assert.equal(proxy.calls.get('eth_getBalance'), 1);

    await fund(node, address, 2000n);
    await nextHead();
    const third = await app.get(`/address/balance/${address}`);
    assert.equal(third.body.balanceWei, '2000');
    assert.notEqual(third.body.headBlockNumber, first.body.headBlockNumber);
    assert.equal(proxy.calls.get('eth_getBalance'), 2);
  });

  it('pins each read to the block it reports', async () => {
    const address = fresh();
    for (let i = 1; i <= 4; i++) {
      await fund(node, address, BigInt(i) * 10n ** 15n);
      await nextHead();
      const res = await app.get(`/address/balance/${address}`);
      const atBlock = await node.rpc<string>('eth_getBalance', [address, res.body.headBlockNumber]);
      assert.equal(res.body.balanceWei, BigInt(atBlock).toString());
    }
  });

  it('pins reads by block hash (EIP-1898), with no per-request eth_blockNumber', async () => {
    await nextHead();
    proxy.reset();
    await Promise.all(Array.from({ length: 20 }, () => app.get(`/address/balance/${fresh()}`)));
    assert.equal(proxy.calls.get('eth_blockNumber') ?? 0, 0);
    assert.ok((proxy.calls.get('eth_getBlockByNumber') ?? 0) <= 2);
    assert.equal(proxy.calls.get('eth_getBalance'), 20);
  });

  it('shares one upstream read among 200 concurrent requests for one address', async () => {
    const address = fresh();
    await fund(node, address, 42n);
    await nextHead();
    proxy.reset();
    const results = await Promise.all(Array.from({ length: 200 }, () => app.get(`/address/balance/${address}`)));
    assert.ok(results.every((r) => r.status === 200 && r.body.balanceWei === '42'));
    assert.ok((proxy.calls.get('eth_getBalance') ?? 0) <= 2, `eth_getBalance calls: ${proxy.calls.get('eth_getBalance')}`);
  });

  describe('refuses bad addresses with 400 problem+json', () => {
    const invalid = expectedProblem('invalid-address', {
      title: 'Invalid address',
      status: 400,
      code: 'INVALID_ADDRESS',
      detail: 'an address is 0x followed by 40 hexadecimal digits',
    });
    const cases: [string, string][] = [
      ['too short', '0x1234'],
      ['no 0x', 'c94770007dda54cF92009BFF0dE90c06F603a09f'],
      ['non-hex', '0xZ94770007dda54cF92009BFF0dE90c06F603a09f'],
      ['percent-encoded garbage', '%00%ff%2e%2e%2f'],
      ['41 digits', `${SEED}0`],
      ['unicode', '0x%E2%80%AEc94770007dda54cF92009BFF0dE90c06F603a0'],
    ];
    for (const [name, input] of cases) {
      it(name, async () => {
        const res = await app.get(`/address/balance/${input}`);
        assert.equal(res.status, 400);
        assert.equal(res.headers.get('content-type'), PROBLEM);
        assert.deepEqual(res.body, { ...invalid, instance: `/address/balance/${input}` });
      });
    }

    // Hex in the wrong case: the body names the EIP-55 form to use.
    const miscased: [name: string, input: string, expected: Record<string, unknown>][] = [
      [
        "the seed README's wrong checksum, naming the right one",
        '0xc94770007dDa54cF92009BFF0dE90c06F603a09f',
        expectedProblem('bad-checksum', { title: 'Address has an invalid EIP-55 checksum', status: 400, code: 'BAD_CHECKSUM', detail: `the EIP-55 checksum does not match: did you mean ${SEED}?` }),
      ],
      [
        'all-lowercase by default, with the EIP-55 form in the body',
        SEED.toLowerCase(),
        expectedProblem('address-not-checksummed', { title: 'Address is not EIP-55 checksummed', status: 400, code: 'ADDRESS_NOT_CHECKSUMMED', detail: `addresses must be EIP-55 checksummed: use ${SEED}` }),
      ],
    ];
    for (const [name, input, expected] of miscased) {
      it(name, async () => {
        const res = await app.get(`/address/balance/${input}`);
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { ...expected, instance: `/address/balance/${input}`, checksummed: SEED });
      });
    }

    // Over 2 KB and under uWS's 4 KiB request-head bound (beyond it uWS 20.57 answers 431 itself).
    it('a 3 KB path gets 414, not a 5xx', async () => {
      const res = await app.get(`/address/balance/0x${'a'.repeat(3000)}`);
      assert.equal(res.status, 414);
      assert.equal(res.headers.get('content-type'), PROBLEM);
      assert.equal(res.body.code, 'URI_TOO_LONG');
    });
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    const missing = await app.get('/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(
      missing.body,
      expectedProblem('not-found', { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: 'no such route; see GET /address/balance/:address' }),
    );
    const res = await fetch(`${app.baseUrl}/address/balance/${SEED}`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
    assert.equal(res.headers.get('content-type'), PROBLEM);
    assert.deepEqual(
      await res.json(),
      expectedProblem('method-not-allowed', { title: 'Method not allowed', status: 405, code: 'METHOD_NOT_ALLOWED', detail: 'POST is not allowed here; use GET' }),
    );
  });

  it('reports health and readiness', async () => {
    assert.deepEqual((await app.get('/healthz')).body, { status: 'ok' });
    const ready = await app.get('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    assert.equal(ready.body.network, 'mainnet');
  });

  describe('answers 502 problem+json for every upstream failure', () => {
    const faults = [
      ['HTTP 500', { kind: 'status', status: 500 }, 'http'],
      ['HTTP 503', { kind: 'status', status: 503 }, 'http'],
      ['connection reset', { kind: 'reset' }, 'connection'],
      ['a hang past UPSTREAM_TIMEOUT_MS', { kind: 'hang' }, 'timeout'],
      ['invalid JSON', { kind: 'garbage' }, 'bad-response'],
      ['a JSON-RPC error', { kind: 'rpc-error', code: -32000, message: 'internal failure' }, 'rpc'],
    ] as const;
    for (const [name, fault, kind] of faults) {
      it(name, async () => {
        proxy.set({ fault, methods: ['eth_getBalance'] });
        try {
          const res = await app.get(`/address/balance/${fresh()}`);
          assert.equal(res.status, 502);
          assert.equal(res.headers.get('content-type'), PROBLEM);
          assert.equal(res.body.code, 'UPSTREAM_UNAVAILABLE');
          assert.equal(res.body.status, 502);
          assert.ok(Array.isArray(res.body.providers) && res.body.providers.length > 0);
          assert.ok(!JSON.stringify(res.body).includes(proxy.url), 'the provider URL stays out of the body');
          // Answered on the provider's own failure (a hang: its UPSTREAM_TIMEOUT_MS), not on the request deadline.
          assert.deepEqual(
            res.body.providers.map((p: { name: string; kind: string }) => ({ name: p.name, kind: p.kind })),
            [{ name: 'primary', kind }],
          );
        } finally {
          proxy.set({ kind: 'pass' });
        }
      });
    }
  });

  it('recovers once the upstream does', async () => {
    proxy.set({ kind: 'status', status: 500 });
    const address = fresh();
    await nextHead();
    assert.equal((await app.get(`/address/balance/${address}`)).status, 502);
    proxy.set({ kind: 'pass' });
    const res = await app.get(`/address/balance/${address}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.balanceWei, '0');
  });
});

describe('with every provider down from the start', () => {
  it('stays alive for the load balancer, is not ready, and answers 502', async () => {
    const node = await startAnvil({ chainId: 1 });
    const proxy = await startFaultProxy(node.url);
    proxy.set({ kind: 'status', status: 500 });
    const app = await startTestApp({ RPC_URLS: proxy.url, EXPECTED_CHAIN_ID: '1', UPSTREAM_TIMEOUT_MS: '300', REQUEST_DEADLINE_MS: '1000' });
    try {
      assert.equal((await app.get('/healthz')).status, 200);
      const ready = await app.get('/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.code, 'NOT_READY');
      const res = await app.get(`/address/balance/${SEED}`);
      assert.equal(res.status, 502);
      assert.equal(res.body.code, 'UPSTREAM_UNAVAILABLE');
    } finally {
      await app.shutdown();
      await proxy.close();
      await node.stop();
    }
  });
});

describe('ADDRESS_CHECKSUM=lenient', () => {
  it('accepts all-lowercase and all-uppercase and answers with the EIP-55 form', async () => {
    const app = await startTestApp({ ADDRESS_CHECKSUM: 'lenient' });
    try {
      for (const input of [SEED.toLowerCase(), `0x${SEED.slice(2).toUpperCase()}`]) {
        const res = await app.get(`/address/balance/${input}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.address, SEED);
        assert.equal(res.body.network, 'devnet');
        assert.equal(res.body.balanceWei, '136500000000000');
      }
      assert.equal((await app.get('/address/balance/0xc94770007dDa54cF92009BFF0dE90c06F603a09f')).status, 400);
    } finally {
      await app.shutdown();
    }
  });
});
