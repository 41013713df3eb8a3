import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Head } from '../chain/head.js';
import { balanceItem, bodyFromItem, bodyParts } from '../codec/balances.js';
import { BalanceCache, isServable } from './balance-cache.js';

const head = (n: number): Head => ({ number: BigInt(n), hash: `0x${n.toString(16).padStart(64, '0')}`, numberHex: `0x${n.toString(16)}` });

describe('isServable', () => {
  const entry = { blockHash: head(5).hash, storedAt: 1000, body: Buffer.from('x') };
  const cases: [string, Head, number, number, boolean][] = [
    ['same block, young', head(5), 1000 + 4999, 5000, true],
    ['same block, at TTL', head(5), 1000 + 5000, 5000, false],
    ['new head', head(6), 1001, 5000, false],
    ['TTL 0 disables', head(5), 1000, 0, false],
  ];
  for (const [name, h, now, ttl, expected] of cases) {
    it(name, () => assert.equal(isServable(entry, h, now, ttl), expected));
  }
});

describe('BalanceCache', () => {
  it('serves an entry only at its block and within the TTL', () => {
    let now = 0;
    const cache = new BalanceCache(5, 10, () => now);
    cache.set('a', head(1), Buffer.from('one'));
    assert.equal(cache.get('a', head(1))?.toString(), 'one');
    assert.equal(cache.get('a', head(2)), undefined);
    cache.set('a', head(2), Buffer.from('two'));
    now = 5001;
    assert.equal(cache.get('a', head(2)), undefined);
  });

  it('evicts the least recently used beyond its bound', () => {
    const cache = new BalanceCache(60, 2, () => 0);
    cache.set('a', head(1), Buffer.from('a'));
    cache.set('b', head(1), Buffer.from('b'));
    cache.get('a', head(1));
    cache.set('c', head(1), Buffer.from('c'));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b', head(1)), undefined);
    assert.equal(cache.get('a', head(1))?.toString(), 'a');
    assert.equal(cache.stats.evictions, 1);
  });

  it('coalesces concurrent loads of one address at one block', async () => {
    const cache = new BalanceCache(5, 10);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads++;
      await gate;
      return Buffer.from('v');
    };
    const all = Array.from({ length: 200 }, () => cache.load('a', head(1), load));
    release();
    const bodies = await Promise.all(all);
    assert.equal(loads, 1);
    assert.ok(bodies.every((b) => b.toString() === 'v'));
    assert.equal(cache.stats.coalesced, 199);
    assert.equal(cache.get('a', head(1))?.toString(), 'v');
  });

  it('does not cache failures', async () => {
    const cache = new BalanceCache(5, 10);
    await assert.rejects(cache.load('a', head(1), () => Promise.reject(new Error('boom'))));
    assert.equal((await cache.load('a', head(1), async () => Buffer.from('ok'))).toString(), 'ok');
  });

  it('stores nothing with a TTL of 0 but still coalesces', async () => {
    const cache = new BalanceCache(0, 10);
    await cache.load('a', head(1), async () => Buffer.from('v'));
    assert.equal(cache.size, 0);
  });
});

describe('BalanceCache bound', () => {
  it('keeps recency exact through many hits and evictions', () => {
    const cache = new BalanceCache(60, 3, () => 0);
    for (const k of ['a', 'b', 'c']) cache.set(k, head(1), Buffer.from(k));
    cache.get('a', head(1));
    cache.get('b', head(1));
    cache.set('d', head(1), Buffer.from('d'));
    cache.get('a', head(1));
    cache.set('e', head(1), Buffer.from('e'));
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((k) => cache.get(k, head(1))?.toString()), ['a', undefined, undefined, 'd', 'e']);
    assert.equal(cache.size, 3);
    assert.equal(cache.stats.evictions, 2);
  });

  it('replaces an entry stored again and drops one that expired', () => {
    let now = 0;
    const cache = new BalanceCache(1, 2, () => now);
    cache.set('a', head(1), Buffer.from('1'));
    cache.set('a', head(1), Buffer.from('2'));
    assert.equal(cache.size, 1);
    assert.equal(cache.get('a', head(1))?.toString(), '2');
    now = 1000;
    assert.equal(cache.get('a', head(1)), undefined);
    assert.equal(cache.size, 0);
    cache.set('b', head(1), Buffer.from('b'));
    cache.set('c', head(1), Buffer.from('c'));
    cache.set('d', head(1), Buffer.from('d'));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b', head(1)), undefined);
  });

  it('stays at its bound under 200k distinct stores', () => {
    const cache = new BalanceCache(60, 100_000, () => 0);
    for (let i = 0; i < 200_000; i++) cache.set(`k${i}`, head(1), Buffer.alloc(0));
    assert.equal(cache.size, 100_000);
    assert.equal(cache.stats.evictions, 100_000);
    assert.equal(cache.get('k99999', head(1)), undefined);
    assert.notEqual(cache.get('k100000', head(1)), undefined);
  });
});

describe('BalanceCache, both routes', () => {
  const A = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
  const at = { tag: 'latest', number: '0x1', hash: head(1).hash };

  it("makes the single route's body from a batch item on first GET, once", () => {
    const cache = new BalanceCache(60, 10, () => 0);
    const item = balanceItem(A, 1234n);
    const parts = bodyParts({ network: 'mainnet', chainId: 1, rpcLatencyMs: 3.456, at });
    cache.setItem(A, head(1), item, parts);
    assert.equal(cache.item(A, head(1)), item);
    const body = cache.get(A, head(1));
    assert.equal(body?.toString(), bodyFromItem(item, parts));
    assert.equal(JSON.parse(body!.toString()).balanceWei, '1234');
    assert.equal(cache.get(A, head(1)), body, 'the same bytes, not made again');
    assert.equal(cache.get(A, head(2)), undefined);
    assert.equal(cache.stats.hits, 3);
  });

  it("makes a batch item from the single route's body", () => {
    const cache = new BalanceCache(60, 10, () => 0);
    const item = balanceItem(A, 5n);
    cache.set(A, head(1), Buffer.from(bodyFromItem(item, bodyParts({ network: 'mainnet', chainId: 1, rpcLatencyMs: 1, at }))));
    assert.equal(cache.item(A, head(1)), item);
  });
});
