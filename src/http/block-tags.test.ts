/**
 * Block tags and batches end to end: a real anvil (safe = head-32, finalized = head-64, old state
 * kept) behind real fault proxies, the real uWS server, plain HTTP; every response checked against
 * the OpenAPI document the service serves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatEther } from 'ethers';
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { fresh, headMaxAgeMs, hex, nextHead } from '../testing/short-head.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import { assertValidDocument, OpenApiResponses } from '../testing/openapi-validator.js';

const PROBLEM = 'application/problem+json';
/** anvil's first dev account (unlocked, funded). */
const FUNDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

interface Block {
  number: string;
  hash: string;
}

interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: any;
  text: string;
}

/** Plain HTTP, and every answer checked against the served OpenAPI document. */
class Client {
  requests: Answer[] = [];
  constructor(
    readonly baseUrl: string,
    private readonly contract: OpenApiResponses,
  ) {}

  async send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(this.baseUrl + path, body === undefined ? { method, headers } : { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep text
    }
    const answer = { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, body: parsed, text };
    this.contract.check({ method, url: path, status: res.status, contentType: answer.contentType ?? undefined, body: text });
    return answer;
  }

  get(path: string): Promise<Answer> {
    return this.send('GET', path);
  }

  post(addresses: unknown, blockTag?: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
    return this.send('POST', '/address/balances', JSON.stringify(blockTag === undefined ? { addresses } : { addresses, blockTag }), headers);
  }
}

async function setBalance(node: AnvilNode, address: string, wei: bigint): Promise<Block> {
  await node.rpc('anvil_setBalance', [address, hex(wei)]);
  await node.rpc('anvil_mine', ['0x1']);
  return node.rpc<Block>('eth_getBlockByNumber', ['latest', false]);
}

describe('block tags and batches', () => {
  let node: AnvilNode;
  let primary: FaultProxy;
  let secondary: FaultProxy;
  let app: TestApp;
  let client: Client;

  before(async () => {
    node = await startAnvil({ chainId: 1 });
    await node.rpc('anvil_mine', ['0x64']); // 100 blocks: safe and finalized exist
    primary = await startFaultProxy(node.url);
    secondary = await startFaultProxy(node.url);
    app = await startTestApp({
      RPC_URLS: `primary=${primary.url},secondary=${secondary.url}`,
      EXPECTED_CHAIN_ID: '1',
      UPSTREAM_TIMEOUT_MS: '1000',
      REQUEST_DEADLINE_MS: '3000',
      HEAD_MAX_AGE_MS: String(headMaxAgeMs),
      CACHE_TTL_SECONDS: '30',
      BATCH_MAX_ADDRESSES: '1000',
      UPSTREAM_BATCH_MAX: '100',
    });
    const doc = await fetch(`${app.baseUrl}/openapi.json`).then((r) => r.json() as Promise<Record<string, unknown>>);
    await assertValidDocument(doc);
    client = new Client(app.baseUrl, new OpenApiResponses(doc));
  });
  after(async () => {
    await app?.shutdown();
    await primary?.close();
    await secondary?.close();
    await node?.stop();
  });

  describe('GET /address/balance/:address?blockTag=', () => {
    it('reads at each tag, pinned, echoing the tag and naming the block', async () => {
      const address = fresh();
      const first = await setBalance(node, address, 1000n);
      await node.rpc('anvil_mine', ['0x46']); // 70 more: the first block is now final
      const second = await setBalance(node, address, 2000n);
      await nextHead();
      const latest = await node.rpc<Block>('eth_getBlockByNumber', ['latest', false]);
      const safe = await node.rpc<Block>('eth_getBlockByNumber', ['safe', false]);
      const finalized = await node.rpc<Block>('eth_getBlockByNumber', ['finalized', false]);
      const cases: [string | undefined, string, Block, string][] = [
        [undefined, 'latest', latest, '2000'],
        ['latest', 'latest', latest, '2000'],
        ['safe', 'safe', safe, '1000'],
        ['finalized', 'finalized', finalized, '1000'],
        [String(Number(first.number)), first.number, first, '1000'],
        [first.number, first.number, first, '1000'],
        [first.number.toUpperCase().replace('0X', '0x'), first.number, first, '1000'],
        [second.hash, second.hash, second, '2000'],
        [first.hash.toUpperCase().replace('0X', '0x'), first.hash, first, '1000'],
        ['0', '0x0', await node.rpc<Block>('eth_getBlockByNumber', ['0x0', false]), '0'],
      ];
      for (const [query, echo, block, wei] of cases) {
        const res = await client.get(`/address/balance/${address}${query === undefined ? '' : `?blockTag=${query}`}`);
        assert.equal(res.status, 200, `${query}: ${res.text}`);
        assert.deepEqual(
          res.body,
          {
            address,
            network: 'mainnet',
            chainId: 1,
            blockTag: echo,
            balance: formatEther(BigInt(wei)),
            balanceWei: wei,
            rpcLatencyMs: res.body.rpcLatencyMs,
            headBlockNumber: block.number,
            blockNumber: block.number,
            blockHash: block.hash,
            ...('verified' in res.body ? { verified: false } : {}),
          },
          `blockTag=${query}`,
        );
      }
    });

    it('serves a repeat at an immutable tag from the cache, with no upstream call', async () => {
      const address = fresh();
      const block = await setBalance(node, address, 7n);
      await nextHead();
      const first = await client.get(`/address/balance/${address}?blockTag=${block.hash}`);
      assert.equal(first.status, 200);
      const before = (primary.calls.get('eth_getBalance') ?? 0) + (secondary.calls.get('eth_getBalance') ?? 0);
      await node.rpc('anvil_mine', ['0x3']);
      await nextHead();
      const again = await client.get(`/address/balance/${address}?blockTag=${block.hash}`);
      assert.equal(again.text, first.text);
      const afterCalls = (primary.calls.get('eth_getBalance') ?? 0) + (secondary.calls.get('eth_getBalance') ?? 0);
      assert.equal(afterCalls, before);
    });

    const malformed = ['pending', 'earliest', '-1', '+1', '1.5', '1e6', '0x', '18446744073709551616', `0x${'a'.repeat(63)}`, `0x${'a'.repeat(65)}`, 'LATEST', ''];
    for (const tag of malformed) {
      it(`refuses blockTag=${JSON.stringify(tag)} with 400 INVALID_BLOCK_TAG`, async () => {
        const res = await client.get(`/address/balance/0xc94770007dda54cF92009BFF0dE90c06F603a09f?blockTag=${encodeURIComponent(tag)}`);
        assert.equal(res.status, 400);
        assert.equal(res.contentType, PROBLEM);
        assert.equal(res.body.code, 'INVALID_BLOCK_TAG');
      });
    }

    it('answers 404 BLOCK_NOT_FOUND for a number above the head and for an unknown hash', async () => {
      const head = BigInt(await node.rpc<string>('eth_blockNumber'));
      const above = await client.get(`/address/balance/0xc94770007dda54cF92009BFF0dE90c06F603a09f?blockTag=${head + 1000n}`);
      assert.equal(above.status, 404);
      assert.equal(above.body.code, 'BLOCK_NOT_FOUND');
      const unknown = await client.get(`/address/balance/0xc94770007dda54cF92009BFF0dE90c06F603a09f?blockTag=0x${'12'.repeat(32)}`);
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'BLOCK_NOT_FOUND');
    });

    it('answers 502 STATE_UNAVAILABLE when no provider has the old state, and keeps both providers healthy', async () => {
      const prune = { fault: { kind: 'rpc-error', code: -32000, message: 'missing trie node 0badc0de (path )' }, methods: ['eth_getBalance'] } as const;
      primary.set(prune);
      secondary.set(prune);
      try {
        const res = await client.get(`/address/balance/${fresh()}?blockTag=0x5`);
        assert.equal(res.status, 502);
        assert.equal(res.body.code, 'STATE_UNAVAILABLE');
        assert.deepEqual(
          res.body.providers.map((p: { name: string; kind: string }) => [p.name, p.kind]),
          [
            ['primary', 'state-unavailable'],
            ['secondary', 'state-unavailable'],
          ],
        );
      } finally {
        primary.set({ kind: 'pass' });
        secondary.set({ kind: 'pass' });
      }
      const providers = await client.get('/providers');
      assert.deepEqual(
        providers.body.providers.map((p: { state: string }) => p.state),
        ['healthy', 'healthy'],
      );
    });
  });

  describe('POST /address/balances', () => {
    it('answers every address at one block, in request order, duplicates as asked, EIP-55, as the single route would', async () => {
      const a = fresh();
      const b = fresh();
      await setBalance(node, a, 10n ** 18n + 1n);
      const block = await setBalance(node, b, 5n);
      await nextHead();
      const res = await client.post([a, b, a], 'latest');
      assert.equal(res.status, 200, res.text);
      const single = await client.get(`/address/balance/${a}`);
      assert.deepEqual(res.body, {
        network: 'mainnet',
        chainId: 1,
        blockTag: 'latest',
        blockNumber: block.number,
        blockHash: block.hash,
        headBlockNumber: block.number,
        rpcLatencyMs: res.body.rpcLatencyMs,
        verified: false,
        balances: [
          { address: a, balance: single.body.balance, balanceWei: '1000000000000000001' },
          { address: b, balance: '0.000000000000000005', balanceWei: '5' },
          { address: a, balance: single.body.balance, balanceWei: '1000000000000000001' },
        ],
      });
    });

    it('reads 1,000 cold addresses in ceil(1000 / UPSTREAM_BATCH_MAX) = 10 upstream HTTP requests, spread over both providers', async () => {
      await nextHead();
      const addresses = Array.from({ length: 1000 }, fresh);
      await client.get('/readyz');
      primary.reset();
      secondary.reset();
      const res = await client.post(addresses);
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.equal(res.body.balances.length, 1000);
      assert.deepEqual(
        res.body.balances.map((x: { address: string }) => x.address),
        addresses,
      );
      const reads = (primary.calls.get('eth_getBalance') ?? 0) + (secondary.calls.get('eth_getBalance') ?? 0);
      assert.equal(reads, 1000);
      const httpRequests = primary.requests() + secondary.requests();
      // Head polls may ride along; the balance reads themselves took 10 requests.
      assert.ok(httpRequests <= 10 + 4, `${httpRequests} HTTP requests`);
      assert.ok(primary.calls.get('eth_getBalance')! > 0 && secondary.calls.get('eth_getBalance')! > 0);
    });

    it('takes cached addresses from the cache and reads only the rest', async () => {
      const warm = Array.from({ length: 5 }, fresh);
      await nextHead();
      for (const address of warm) assert.equal((await client.get(`/address/balance/${address}`)).status, 200);
      primary.reset();
      secondary.reset();
      const cold = Array.from({ length: 3 }, fresh);
      const res = await client.post([...warm, ...cold]);
      assert.equal(res.status, 200, res.text);
      assert.equal((primary.calls.get('eth_getBalance') ?? 0) + (secondary.calls.get('eth_getBalance') ?? 0), 3);
    });

    it('fails over only the part that failed when one provider refuses', async () => {
      await nextHead();
      primary.set({ fault: { kind: 'status', status: 503 }, methods: ['eth_getBalance'] });
      try {
        const addresses = Array.from({ length: 400 }, fresh);
        secondary.reset();
        const res = await client.post(addresses);
        assert.equal(res.status, 200, res.text.slice(0, 300));
        assert.equal(res.body.balances.length, 400);
        // Every balance came from the secondary in the end: its own chunks plus the primary's.
        assert.equal(secondary.calls.get('eth_getBalance'), 400);
      } finally {
        primary.set({ kind: 'pass' });
      }
    });

    it('keeps a batch pinned to one block while blocks are mined during it', async () => {
      const addresses = Array.from({ length: 300 }, fresh);
      const changing = addresses.slice(0, 10);
      for (const address of changing) await node.rpc('anvil_setBalance', [address, '0x1']);
      // Two blocks on: anvil applies anvil_setBalance to the head's state in place.
      await node.rpc('anvil_mine', ['0x2']);
      await nextHead();
      // Slow reads: blocks are mined (real transfers) while the batch is in flight.
      primary.set({ fault: { kind: 'delay', ms: 150 }, methods: ['eth_getBalance'] });
      secondary.set({ fault: { kind: 'delay', ms: 150 }, methods: ['eth_getBalance'] });
      try {
        const pending = client.post(addresses);
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 40));
          for (const to of changing) await node.rpc('eth_sendTransaction', [{ from: FUNDER, to, value: '0x5' }]);
        }
        const res = await pending;
        assert.equal(res.status, 200);
        const head = BigInt(await node.rpc<string>('eth_blockNumber'));
        assert.ok(head > BigInt(res.body.blockNumber), 'blocks were mined after the pinned block');
        for (const [i, item] of (res.body.balances as { address: string; balanceWei: string }[]).entries()) {
          const atBlock = await node.rpc<string>('eth_getBalance', [item.address, { blockHash: res.body.blockHash }]);
          assert.equal(item.balanceWei, BigInt(atBlock).toString(), `address ${i}`);
        }
        // The transfers mined after the pinned block are not in the answer: a read at latest now differs.
        const latest = await node.rpc<string>('eth_getBalance', [changing[9], 'latest']);
        assert.equal(BigInt(latest), 16n);
        assert.ok(BigInt((res.body.balances as { balanceWei: string }[])[9]!.balanceWei) < 16n);
      } finally {
        primary.set({ kind: 'pass' });
        secondary.set({ kind: 'pass' });
      }
    });

    it('reads a batch at a block hash, finalized and a number', async () => {
      const address = fresh();
      const block = await setBalance(node, address, 42n);
      await node.rpc('anvil_mine', ['0x1']); // anvil_setBalance changes the head's state in place
      await node.rpc('anvil_setBalance', [address, '0x0']);
      await node.rpc('anvil_mine', ['0x1']);
      await nextHead();
      for (const tag of [block.hash, block.number, String(Number(block.number))]) {
        const res = await client.post([address], tag);
        assert.equal(res.status, 200);
        assert.equal(res.body.blockHash, block.hash);
        assert.equal(res.body.blockTag, tag.startsWith('0x') ? tag : block.number);
        assert.equal(res.body.balances[0].balanceWei, '42');
      }
      const finalized = await node.rpc<Block>('eth_getBlockByNumber', ['finalized', false]);
      const res = await client.post([address], 'finalized');
      assert.equal(res.status, 200);
      assert.equal(res.body.blockHash, finalized.hash);
    });

    it('refuses bad batches with their codes', async () => {
      const good = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
      const json = { 'content-type': 'application/json' };
      const cases: [string, () => Promise<Answer>, number, string][] = [
        ['GET', () => client.get('/address/balances'), 405, 'METHOD_NOT_ALLOWED'],
        ['text/plain', () => client.send('POST', '/address/balances', JSON.stringify({ addresses: [good] }), { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
        ['no content type', () => client.send('POST', '/address/balances', JSON.stringify({ addresses: [good] }), {}), 415, 'UNSUPPORTED_MEDIA_TYPE'],
        ['not JSON', () => client.send('POST', '/address/balances', '{"addresses": [', json), 400, 'INVALID_BODY'],
        ['no addresses', () => client.send('POST', '/address/balances', '{}', json), 400, 'INVALID_BODY'],
        ['too many', () => client.post(Array.from({ length: 1001 }, () => good)), 400, 'TOO_MANY_ADDRESSES'],
        ['a pending tag', () => client.post([good], 'pending'), 400, 'INVALID_BLOCK_TAG'],
        ['over the byte bound', () => client.send('POST', '/address/balances', JSON.stringify({ addresses: [good], pad: 'x'.repeat(70_000) }), json), 413, 'PAYLOAD_TOO_LARGE'],
      ];
      for (const [name, send, status, code] of cases) {
        const res = await send();
        assert.equal(res.status, status, `${name}: ${res.text.slice(0, 200)}`);
        assert.equal(res.body.code, code, name);
      }
    });

    it('accepts application/json with a charset parameter', async () => {
      const res = await client.post(['0xc94770007dda54cF92009BFF0dE90c06F603a09f'], undefined, { 'content-type': 'application/json; charset=utf-8' });
      assert.equal(res.status, 200);
    });

    it('refuses the whole batch when any address is bad, listing each', async () => {
      const good = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
      const res = await client.post([good, good.toLowerCase(), 'nope', '0xc94770007dDa54cF92009BFF0dE90c06F603a09f']);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors, [
        { index: 1, code: 'ADDRESS_NOT_CHECKSUMMED', checksummed: good },
        { index: 2, code: 'INVALID_ADDRESS' },
        { index: 3, code: 'BAD_CHECKSUM', checksummed: good },
      ]);
      assert.equal(res.body.code, 'INVALID_ADDRESSES');
    });
  });
});

describe('batch rate limits', () => {
  let node: AnvilNode;
  let app: TestApp;

  before(async () => {
    node = await startAnvil({ chainId: 1 });
    app = await startTestApp({ RPC_URLS: `only=${node.url}`, EXPECTED_CHAIN_ID: '1', RATE_LIMIT_RPS: '0.01', RATE_LIMIT_BURST: '10' });
  });
  after(async () => {
    await app?.shutdown();
    await node?.stop();
  });

  it('counts a batch of n addresses as n requests', async () => {
    const post = (n: number) =>
      fetch(`${app.baseUrl}/address/balances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ addresses: Array.from({ length: n }, fresh) }),
      });
    assert.equal((await post(8)).status, 200);
    const limited = await post(5);
    assert.equal(limited.status, 429);
    assert.equal(((await limited.json()) as { code: string }).code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});
