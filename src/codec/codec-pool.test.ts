import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { formatEther, getAddress } from 'ethers';
import { createCodec, InlineCodec, PooledCodec, poolSize, POOL_MIN_BATCH } from './codec-pool.js';
import type { CodecTask } from './batch.js';

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const hex = () => randomBytes(20).toString('hex');

/** n inputs a batch might hold: EIP-55, lowercase, one letter flipped, not an address. */
function inputs(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const eip55 = getAddress(`0x${hex()}`);
    if (i % 7 === 3) return eip55.replace(/[a-f]/, (c) => c.toUpperCase()).replace(/[A-F]/, (c) => c.toLowerCase());
    if (i % 11 === 5) return `0x${'zz'.repeat(20)}`;
    return i % 2 === 0 ? eip55 : eip55.toLowerCase();
  });
}

describe('poolSize and createCodec', () => {
  for (const [workers, cores, expected] of [
    [0, 8, 0],
    [4, 1, 0],
    [4, 2, 1],
    [4, 8, 4],
    [64, 8, 7],
  ] as const) {
    it(`WORKERS=${workers} on ${cores} core(s): ${expected} worker thread(s)`, () => assert.equal(poolSize(workers, cores), expected));
  }

  it('stays inline on one core whatever WORKERS says', async () => {
    const codec = createCodec(4, 1);
    assert.equal(codec.pooled, false);
    assert.ok(codec instanceof InlineCodec);
    await codec.close();
  });
});

describe('PooledCodec (real piscina workers)', () => {
  const pool = new PooledCodec(2);
  const inline = new InlineCodec();
  after(() => pool.close());

  it('checks a batch below POOL_MIN_BATCH inline: an array at once, no task on the pool', () => {
    const batch = inputs(POOL_MIN_BATCH - 1);
    const before = pool.completed();
    const checks = pool.checkMany(batch, 'strict');
    assert.ok(Array.isArray(checks));
    assert.deepEqual(checks, inline.checkMany(batch, 'strict'));
    assert.equal(pool.completed(), before);
  });

  it('checks a batch of POOL_MIN_BATCH or more on the workers, one task per worker, with the inline verdicts', async () => {
    const batch = inputs(1000);
    const before = pool.completed();
    const pending = pool.checkMany(batch, 'strict');
    assert.ok(pending instanceof Promise);
    const checks = await pending;
    assert.equal(pool.completed() - before, 2);
    assert.deepEqual(checks, inline.checkMany(batch, 'strict'));
    // ethers is the oracle: every accepted address is its getAddress form, every EIP-55 input accepted.
    checks.forEach((check, i) => {
      if (check.ok) assert.equal(check.address, getAddress(batch[i]!));
      else assert.notEqual(batch[i], check.checksummed);
    });
    assert.ok(checks.some((c) => !c.ok && c.checksummed !== undefined) && checks.some((c) => !c.ok && c.checksummed === undefined));
  });

  it('formats a batch with POOL_MIN_BATCH non-zero balances on the workers, the same items as inline', async () => {
    const addresses = Array.from({ length: 300 }, () => getAddress(`0x${hex()}`));
    const weis = addresses.map((_, i) => (i % 3 === 0 ? 0n : BigInt(`0x${randomBytes(12).toString('hex')}`)));
    const before = pool.completed();
    const items = await pool.items(addresses, weis);
    assert.equal(pool.completed() - before, 2);
    assert.deepEqual(items, inline.items(addresses, weis));
    items.forEach((item, i) => assert.deepEqual(JSON.parse(item), { address: addresses[i], balance: formatEther(weis[i]!), balanceWei: weis[i]!.toString() }));
  });

  it('formats zero balances and small batches inline: no task on the pool', () => {
    const addresses = Array.from({ length: 1000 }, () => getAddress(`0x${hex()}`));
    const zeros = addresses.map((_, i) => (i < POOL_MIN_BATCH - 1 ? 10n ** 18n + BigInt(i) : 0n));
    const before = pool.completed();
    const items = pool.items(addresses, zeros);
    assert.ok(Array.isArray(items));
    assert.deepEqual(items, inline.items(addresses, zeros));
    assert.equal(pool.completed(), before);
  });

  it('runs a turn of single checks on the workers in one message and matches the inline results', async () => {
    const tasks: CodecTask<'check'>[] = [
      { kind: 'check', input: SEED, mode: 'strict' },
      { kind: 'check', input: SEED.toLowerCase(), mode: 'strict' },
      { kind: 'check', input: 'nope', mode: 'strict' },
    ];
    const expected = await Promise.all(tasks.map((t) => inline.run(t)));
    const before = pool.completed();
    const results = await Promise.all(tasks.map((t) => pool.run(t)));
    assert.deepEqual(results, expected);
    assert.equal(pool.completed() - before, 2);
    assert.equal(pool.stats().workers, 2);
  });
});

describe('InlineCodec (WORKERS=0)', () => {
  it('runs even a 1,000-address batch on the main thread, without a promise', () => {
    const codec = createCodec(0);
    const batch = inputs(1000);
    const checks = codec.checkMany(batch, 'lenient');
    assert.ok(Array.isArray(checks));
    const addresses = batch.map((_, i) => getAddress(`0x${i.toString(16).padStart(40, '0')}`));
    assert.ok(Array.isArray(codec.items(addresses, addresses.map(() => 10n ** 18n))));
    assert.equal(codec.completed(), 0);
  });
});
