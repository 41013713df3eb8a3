import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../testing/fault-proxy.js';
import { Cancel } from './cancel.js';
import { RawJson } from './json-rpc.js';
import { RpcClient } from './rpc-client.js';
import { UpstreamError, type UpstreamErrorKind } from './upstream-error.js';

let node: AnvilNode;
let proxy: FaultProxy;
let client: RpcClient;
const ADDRESS = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

before(async () => {
  node = await startAnvil({ chainId: 31337 });
  proxy = await startFaultProxy(node.url);
  client = new RpcClient({ name: 'p', url: proxy.url, headers: {} }, { timeoutMs: 800 });
});
after(async () => {
  await client?.close();
  await proxy?.close();
  await node?.stop();
});
beforeEach(() => {
  proxy.set({ kind: 'pass' });
  proxy.reset();
});

async function failure(promise: Promise<unknown>): Promise<{ kind: UpstreamErrorKind; retryAfterMs: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, String(error));
    return { kind: error.kind, retryAfterMs: error.retryAfterMs, message: error.message };
  }
  assert.fail('expected a rejection');
}

describe('RpcClient', () => {
  it('sends the calls of one event-loop turn as one JSON-RPC batch', async () => {
    const results = await Promise.all([
      client.call('eth_chainId', []),
      client.call('eth_getBalance', [ADDRESS, 'latest']),
      client.call('eth_blockNumber', []),
    ]);
    assert.deepEqual(
      results.map((r) => r.result),
      ['0x7a69', '0x0', '0x0'],
    );
    assert.equal(proxy.requests(), 1);
  });

  it('callBatch sends a whole chunk as one JSON-RPC batch and answers each call in order, a failed call as its error', async () => {
    const { results, latencyMs } = await client.callBatch('eth_getBalance', [[ADDRESS, 'latest'], ['0x1234', 'latest'], [ADDRESS, '0x0']]);
    assert.equal(results.length, 3);
    assert.equal(results[0], '0x0');
    assert.ok(results[1] instanceof UpstreamError, String(results[1]));
    assert.equal(results[2], '0x0');
    assert.ok(latencyMs >= 0);
    assert.equal(proxy.requests(), 1);
    assert.deepEqual(Object.fromEntries(proxy.calls), { eth_getBalance: 3 });
  });

  it('callBatch sends a RawJson param as its text, alone or in a batch, beside ordinary ones', async () => {
    const one = await client.callBatch('eth_getBalance', [[new RawJson(JSON.stringify(ADDRESS)), 'latest']]);
    assert.deepEqual(one.results, ['0x0']);
    const two = await client.callBatch('eth_getBalance', [
      [new RawJson(`"${ADDRESS}"`), { blockNumber: '0x0' }],
      [new RawJson('"0x1234"'), 'latest'],
    ]);
    assert.equal(two.results[0], '0x0');
    assert.ok(two.results[1] instanceof UpstreamError, String(two.results[1]));
    assert.equal(proxy.requests(), 2);
    assert.deepEqual(Object.fromEntries(proxy.calls), { eth_getBalance: 3 });
  });

  it('callBatch rejects as a whole when the HTTP request fails', async () => {
    proxy.set({ kind: 'status', status: 503 });
    assert.equal((await failure(client.callBatch('eth_getBalance', [[ADDRESS, 'latest'], [ADDRESS, 'latest']]))).kind, 'http');
  });

  it('never sends a call withdrawn before the batch leaves', async () => {
    const cancel = new Cancel();
    const withdrawn = client.call('eth_getBalance', [ADDRESS, 'latest'], cancel);
    const kept = client.call('eth_chainId', []);
    cancel.cancel('test');
    assert.deepEqual(await failure(withdrawn), { kind: 'cancelled', retryAfterMs: undefined, message: 'call withdrawn' });
    assert.equal((await kept).result, '0x7a69');
    assert.deepEqual(Object.fromEntries(proxy.calls), { eth_chainId: 1 });
  });

  it('aborts the HTTP request once every call in a sent batch is withdrawn, without waiting for the timeout', async () => {
    proxy.set({ kind: 'hang' });
    const first = new Cancel();
    const second = new Cancel();
    const calls = [
      client.call('eth_getBalance', [ADDRESS, 'latest'], first),
      client.call('eth_getBalance', [ADDRESS, 'latest'], second),
    ];
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    first.cancel('test');
    second.cancel('test');
    const kinds = await Promise.all(calls.map(async (c) => (await failure(c)).kind));
    assert.deepEqual(kinds, ['cancelled', 'cancelled']);
    assert.ok(performance.now() - started < 400, 'did not wait for the 800 ms timeout');
  });

  const table: [string, Fault, { kind: UpstreamErrorKind; retryAfterMs: number | undefined; message: string | RegExp }][] = [
    ['HTTP 500', { kind: 'status', status: 500 }, { kind: 'http', retryAfterMs: undefined, message: 'HTTP 500' }],
    ['HTTP 429 with Retry-After', { kind: 'http-429', retryAfterSeconds: 7 }, { kind: 'rate-limited', retryAfterMs: 7000, message: 'HTTP 429' }],
    ['HTTP 429 without Retry-After', { kind: 'http-429' }, { kind: 'rate-limited', retryAfterMs: undefined, message: 'HTTP 429' }],
    [
      'JSON-RPC -32005 with backoff_seconds',
      { kind: 'rpc-429', backoffSeconds: 2 },
      { kind: 'rate-limited', retryAfterMs: 2000, message: /^rate limited: daily request count exceeded/ },
    ],
    ['a connection reset', { kind: 'reset' }, { kind: 'connection', retryAfterMs: undefined, message: /^connection failed/ }],
    ['a hang', { kind: 'hang' }, { kind: 'timeout', retryAfterMs: undefined, message: 'no answer within 800 ms' }],
    ['malformed JSON', { kind: 'garbage' }, { kind: 'bad-response', retryAfterMs: undefined, message: 'invalid JSON in reply' }],
    [
      'a reply over 4 MiB',
      { kind: 'oversized', bytes: 5 * 1024 * 1024 },
      { kind: 'bad-response', retryAfterMs: undefined, message: 'reply larger than 4194304 bytes' },
    ],
    [
      'anvil-style unknown block',
      { kind: 'rpc-error', code: -32001, message: 'Resource not found' },
      { kind: 'block-not-found', retryAfterMs: undefined, message: 'Resource not found' },
    ],
    [
      'geth-style unknown block',
      { kind: 'rpc-error', code: -32000, message: 'header for hash not found' },
      { kind: 'block-not-found', retryAfterMs: undefined, message: 'header for hash not found' },
    ],
    [
      'invalid params',
      { kind: 'rpc-error', code: -32602, message: 'invalid argument 0' },
      { kind: 'invalid-request', retryAfterMs: undefined, message: 'invalid request (-32602): invalid argument 0' },
    ],
  ];
  for (const [name, fault, expected] of table) {
    it(`classifies ${name}`, async () => {
      proxy.set(fault);
      const got = await failure(client.call('eth_getBalance', [ADDRESS, 'latest']));
      if (expected.message instanceof RegExp) {
        assert.match(got.message, expected.message);
        assert.deepEqual({ ...got, message: '' }, { ...expected, message: '' });
      } else {
        assert.deepEqual(got, expected);
      }
    });
  }
});
