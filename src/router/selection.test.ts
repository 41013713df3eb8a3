import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rank } from './selection.js';

const providers = () => [
  { name: 'a', score: 0.5 },
  { name: 'b', score: 0.9 },
  { name: 'c', score: 0.9 },
  { name: 'd', score: 0 },
];
const names = (xs: { name: string }[]) => xs.map((x) => x.name).join('');

/** A scripted random source. */
const randoms = (...values: number[]) => () => values.shift() ?? 0.99;

describe('rank', () => {
  const table: [string, number[], string, boolean][] = [
    ['best first, ties keep configured order', [0.5], 'bcad', false],
    ['explores below the share: second candidate', [0.01, 0], 'cbad', true],
    ['explores below the share: last usable candidate', [0.01, 0.99], 'abcd', true],
    ['never explores a zero-score provider', [0.01, 0.999999], 'abcd', true],
    ['at the share boundary: no exploration', [0.03], 'bcad', false],
  ];
  for (const [name, rolls, expected, explored] of table) {
    it(name, () => {
      const result = rank(providers(), randoms(...rolls));
      assert.deepEqual({ order: names(result.order), explored: result.explored }, { order: expected, explored });
    });
  }
  it('a single usable candidate is never explored away', () => {
    const result = rank([{ name: 'a', score: 1 }, { name: 'z', score: 0 }], randoms(0));
    assert.deepEqual({ order: names(result.order), explored: result.explored }, { order: 'az', explored: false });
  });
  it('explores about 3 % of reads', () => {
    let explored = 0;
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) if (rank(providers(), random).explored) explored++;
    assert.ok(explored > 400 && explored < 800, String(explored));
  });
});
