import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffMs', () => {
  const table: [string, { round: number; random: number; remainingMs: number }, number | undefined][] = [
    ['first retry, top of the jitter range: the base', { round: 1, random: 0.9999, remainingMs: 4000 }, 24],
    ['first retry, bottom of the range: no wait at all (full jitter)', { round: 1, random: 0, remainingMs: 4000 }, 0],
    ['second retry doubles the range', { round: 2, random: 0.5, remainingMs: 4000 }, 25],
    ['fifth retry is capped at 250 ms', { round: 5, random: 0.9999, remainingMs: 4000 }, 249],
    ['the hundredth retry is still capped', { round: 100, random: 0.9999, remainingMs: 4000 }, 249],
    ['the wait shrinks to leave a round its minimum before the deadline', { round: 5, random: 0.9999, remainingMs: 120 }, 70],
    ['no round fits in the time left', { round: 1, random: 0.5, remainingMs: 50 }, undefined],
    ['the deadline already passed', { round: 1, random: 0.5, remainingMs: -5 }, undefined],
    ['a random value out of range is clamped', { round: 1, random: 7, remainingMs: 4000 }, 25],
  ];
  for (const [name, { round, random, remainingMs }, expected] of table) {
    it(name, () => assert.equal(backoffMs(round, random, remainingMs), expected));
  }

  it('never exceeds the cap or the room before the deadline, over many draws', () => {
    for (let round = 1; round <= 8; round++) {
      for (let i = 0; i < 100; i++) {
        const remaining = 40 + i * 7;
        const wait = backoffMs(round, i / 100, remaining);
        if (wait === undefined) {
          assert.ok(remaining <= DEFAULT_BACKOFF.minRoundMs);
          continue;
        }
        assert.ok(wait >= 0 && wait <= DEFAULT_BACKOFF.capMs && wait <= remaining - DEFAULT_BACKOFF.minRoundMs, `${round} ${i} ${wait}`);
      }
    }
  });
});
