import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../errors.js';
import { BlockResolver, type BlockSource } from './block-resolver.js';
import type { Head } from './head.js';

const block = (n: number, fork = 'a'): Head => ({ number: BigInt(n), numberHex: `0x${n.toString(16)}`, hash: `0x${fork.repeat(2)}${n.toString(16).padStart(62, '0')}` });

/** A chain of `height` blocks seen by providers whose safe/finalized lag by the given depths. */
function chain(height: number, lags: { safe: number[]; finalized: number[] }) {
  const asked: string[] = [];
  let fork = 'a';
  const source: BlockSource & { asked: string[]; height: number; reorg(): void } = {
    asked,
    height,
    reorg: () => (fork = 'b'),
    latest: () => Promise.resolve(block(source.height, fork)),
    currentLatest: () => block(source.height, fork),
    askAll: (tag) => {
      asked.push(tag);
      return Promise.resolve(lags[tag].map((lag) => (lag < 0 ? undefined : block(source.height - lag, fork))));
    },
    byNumber: (n) => {
      asked.push(`n${n}`);
      return Promise.resolve(n <= BigInt(source.height) ? block(Number(n), fork) : undefined);
    },
    byHash: (hash) => {
      asked.push(`h${hash.slice(0, 6)}`);
      for (let n = 0; n <= source.height; n++) if (block(n, fork).hash === hash) return Promise.resolve(block(n, fork));
      return Promise.resolve(undefined);
    },
  };
  return source;
}

describe('BlockResolver', () => {
  it('resolves safe and finalized to the lowest block any usable provider calls so', async () => {
    const source = chain(100, { safe: [32, 35, -1], finalized: [64, 64, 70] });
    let now = 0;
    const resolver = new BlockResolver(source, 1000, () => now);
    assert.deepEqual(await resolver.resolve({ kind: 'safe' }), block(65));
    assert.deepEqual(await resolver.resolve({ kind: 'finalized' }), block(30));
    // Kept for a head's lifetime, synchronously available for cache hits.
    assert.deepEqual(resolver.current({ kind: 'safe' }), block(65));
    now = 1000;
    assert.equal(resolver.current({ kind: 'safe' }), undefined);
    assert.deepEqual(source.asked, ['safe', 'finalized']);
  });

  it('refuses a number above the head and maps the others, for good at or below finalized', async () => {
    const source = chain(100, { safe: [32], finalized: [64] });
    let now = 0;
    const resolver = new BlockResolver(source, 1000, () => now);
    await assert.rejects(resolver.resolve({ kind: 'number', number: 101n }), (e: ServiceError) => e.code === 'BLOCK_NOT_FOUND' && /0x65 is above the current head 0x64/.test(e.message));
    await resolver.resolve({ kind: 'finalized' });
    assert.deepEqual(await resolver.resolve({ kind: 'number', number: 10n }), block(10));
    assert.deepEqual(await resolver.resolve({ kind: 'number', number: 90n }), block(90));
    now = 5000;
    assert.deepEqual(resolver.current({ kind: 'number', number: 10n }), block(10));
    assert.equal(resolver.current({ kind: 'number', number: 90n }), undefined);
  });

  it('finds a hash once and says BLOCK_NOT_FOUND for one no provider knows', async () => {
    const source = chain(20, { safe: [1], finalized: [2] });
    const resolver = new BlockResolver(source, 1000, () => 0);
    assert.deepEqual(await resolver.resolve({ kind: 'hash', hash: block(7).hash }), block(7));
    assert.deepEqual(resolver.current({ kind: 'hash', hash: block(7).hash }), block(7));
    await assert.rejects(resolver.resolve({ kind: 'hash', hash: `0x${'9'.repeat(64)}` }), (e: ServiceError) => e.code === 'BLOCK_NOT_FOUND');
  });

  it('shares one lookup between concurrent resolutions of a tag', async () => {
    const source = chain(100, { safe: [32], finalized: [64] });
    const resolver = new BlockResolver(source, 1000, () => 0);
    const all = await Promise.all([1, 2, 3].map(() => resolver.resolve({ kind: 'safe' })));
    assert.deepEqual(all, [block(68), block(68), block(68)]);
    assert.deepEqual(source.asked, ['safe']);
  });

  it('says BLOCK_NOT_FOUND when no provider has a finalized block yet', async () => {
    const resolver = new BlockResolver(chain(3, { safe: [-1], finalized: [-1] }), 1000, () => 0);
    await assert.rejects(resolver.resolve({ kind: 'finalized' }), (e: ServiceError) => e.code === 'BLOCK_NOT_FOUND');
  });
});
