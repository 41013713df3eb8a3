import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Head } from '../chain/head.js';
import { consensusHead, lagOf, type HeadView } from './head-consensus.js';

const head = (n: number, tag = 'a'): Head => ({ number: BigInt(n), hash: `0x${tag.repeat(64)}`.slice(0, 66), numberHex: `0x${n.toString(16)}` });
const view = (n: number | undefined, options: { tag?: string; seenAt?: number; eligible?: boolean } = {}): HeadView => ({
  latest: n === undefined ? undefined : head(n, options.tag),
  seenAt: options.seenAt ?? 1000,
  eligible: options.eligible ?? true,
});
const NOW = 1000;

describe('consensusHead', () => {
  const table: [string, HeadView[], number | undefined, number | undefined, string?][] = [
    ['all at the same block', [view(100), view(100), view(100)], 100, 100],
    ['one a block behind: the block all of them serve', [view(101), view(100), view(101)], 101, 100],
    ['one past the allowed lag is left out', [view(110), view(106), view(110)], 110, 110],
    ['exactly at the allowed lag still counts', [view(110), view(107)], 110, 107],
    ['an ineligible provider (wrong chain, open, cooling) does not count', [view(100), view(500, { eligible: false })], 100, 100],
    ['a stale head does not count', [view(100), view(90, { seenAt: -5000 })], 100, 100],
    ['no usable head', [view(undefined), view(100, { eligible: false })], undefined, undefined],
    ['the majority hash wins at the chosen height', [view(100, { tag: 'b' }), view(100, { tag: 'c' }), view(100, { tag: 'c' })], 100, 100, 'c'],
    ['a tie goes to the first in order', [view(100, { tag: 'b' }), view(100, { tag: 'c' })], 100, 100, 'b'],
  ];
  for (const [name, views, newest, number, tag] of table) {
    it(name, () => {
      const result = consensusHead(views, NOW, 3, 3000);
      assert.deepEqual(
        { newest: result.newest, number: result.head?.number, tag: result.head?.hash.slice(2, 3) },
        { newest: newest === undefined ? undefined : BigInt(newest), number: number === undefined ? undefined : BigInt(number), tag: number === undefined ? undefined : (tag ?? 'a') },
      );
    });
  }
});

describe('consensusHead with the head already served', () => {
  it('counts lag from the served head: a far-behind node alone does not become the head', () => {
    const result = consensusHead([view(95), view(undefined)], NOW, 3, 3000, 100n);
    assert.deepEqual({ newest: result.newest, head: result.head }, { newest: 100n, head: undefined });
  });
  it('a node within the lag of the served head still serves', () => {
    assert.equal(consensusHead([view(98)], NOW, 3, 3000, 100n).head?.number, 98n);
  });
  it('newer heads than the served one raise the bar', () => {
    assert.equal(consensusHead([view(110), view(104)], NOW, 3, 3000, 100n).head?.number, 110n);
  });
});

describe('lagOf', () => {
  it('counts blocks behind the newest, never negative', () => {
    assert.deepEqual([lagOf(head(95), 100n), lagOf(head(100), 100n), lagOf(head(101), 100n), lagOf(undefined, 100n), lagOf(head(1), undefined)], [5, 0, 0, undefined, undefined]);
  });
});
