import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hotSet, mulberry32, zipfSampler } from './zipf.js';

describe('zipfSampler', () => {
  it('asks rank 1 about twice as often as rank 2 when s = 1', () => {
    const sample = zipfSampler(100, 1, mulberry32(7));
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 200_000; i++) counts[sample()]!++;
    const ratio = counts[0]! / counts[1]!;
    assert.ok(ratio > 1.9 && ratio < 2.1, `rank1/rank2 = ${ratio}`);
    assert.ok(counts[99]! > 0, 'the tail is asked too');
  });
  it('repeats its sequence for one seed', () => {
    const a = zipfSampler(50, 1.1, mulberry32(3));
    const b = zipfSampler(50, 1.1, mulberry32(3));
    assert.deepEqual(Array.from({ length: 20 }, a), Array.from({ length: 20 }, b));
  });
  it('refuses an empty set', () => assert.throws(() => zipfSampler(0, 1, Math.random), RangeError));
});

describe('hotSet', () => {
  it('makes distinct 20-byte addresses under the prefix', () => {
    const set = hotSet('deadbeef', 3);
    assert.deepEqual(set, [
      '0xdeadbeef00000000000000000000000000000001',
      '0xdeadbeef00000000000000000000000000000002',
      '0xdeadbeef00000000000000000000000000000003',
    ]);
  });
});
