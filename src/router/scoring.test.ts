import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRate, ewma, RollingWindow, score, type ScoreInput } from './scoring.js';

const base: ScoreInput = { latencyMs: 10, bestLatencyMs: 10, errorRate: 0, rateLimited: 0, lag: 0, maxLag: 3, consecutiveFailures: 0 };

describe('score', () => {
  const table: [string, Partial<ScoreInput>, number][] = [
    ['the best provider with no errors scores 1', {}, 1],
    ['an unmeasured provider ranks as fast as the best', { latencyMs: undefined }, 1],
    ['latency relative to the best, smoothed: 30 ms vs 10 ms', { latencyMs: 30 }, 30 / 50],
    ['1 ms vs 2 ms on a LAN is nearly equal', { latencyMs: 2, bestLatencyMs: 1 }, 21 / 22],
    ['a 400 ms provider against a 10 ms one', { latencyMs: 400 }, 30 / 420],
    ['a hung provider (in-flight age 2 s) is all but out', { latencyMs: 2010 }, 30 / 2030],
    ['half its calls failing', { errorRate: 0.5 }, 0.5],
    ['error rate above 1 is clamped', { errorRate: 2 }, 0],
    ['one consecutive failure halves it', { consecutiveFailures: 1 }, 0.5],
    ['three consecutive failures', { consecutiveFailures: 3 }, 0.125],
    ['one rate-limit episode in the window', { rateLimited: 1 }, 1 / 1.5],
    ['two rate-limit episodes in the window', { rateLimited: 2 }, 0.5],
    ['one block behind of three allowed', { lag: 1 }, 0.75],
    ['at the allowed lag', { lag: 3 }, 0.25],
    ['past the allowed lag: never chosen', { lag: 4 }, 0],
    ['unknown lag counts as none', { lag: undefined }, 1],
    ['combined: 20 % errors, one failure, one block behind', { errorRate: 0.2, consecutiveFailures: 1, lag: 1 }, 0.8 * 0.5 * 0.75],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => assert.ok(Math.abs(score({ ...base, ...input }) - expected) < 1e-9, `${score({ ...base, ...input })} != ${expected}`));
  }

  it('ranks a fast provider that was rate-limited or failed once above a 400 ms one', () => {
    const slow = score({ ...base, latencyMs: 400 });
    for (const recovering of [{ rateLimited: 2 }, { consecutiveFailures: 1 }, { errorRate: 0.3 }]) {
      assert.ok(score({ ...base, ...recovering }) > slow, JSON.stringify(recovering));
    }
  });
});

describe('ewma and error rate', () => {
  const table: [number | undefined, number, number][] = [
    [undefined, 40, 40],
    [40, 40, 40],
    [40, 80, 50],
    [100, 0, 75],
  ];
  for (const [previous, sample, expected] of table) {
    it(`ewma(${previous}, ${sample}) = ${expected}`, () => assert.equal(ewma(previous, sample), expected));
  }
  it('error rate has one phantom success', () => {
    assert.deepEqual([errorRate(0, 0), errorRate(0, 1), errorRate(9, 0), errorRate(5, 4)], [0, 0.5, 0, 0.4]);
  });
});

describe('RollingWindow', () => {
  it('counts outcomes over the last six 5 s buckets and forgets older ones', () => {
    const w = new RollingWindow(6, 5000);
    w.add('ok', 0);
    w.add('error', 1000);
    w.add('rate-limited', 4999);
    w.add('ok', 12_000);
    assert.deepEqual({ ...w.totals(12_000) }, { ok: 2, errors: 1, rateLimited: 1 });
    // At 30 s the bucket of 0..5 s has left the window; 10..15 s remains.
    assert.deepEqual({ ...w.totals(30_000) }, { ok: 1, errors: 0, rateLimited: 0 });
    // 42 s reuses the slot of 12 s, which has just left the window (15..45 s).
    w.add('error', 42_000);
    assert.deepEqual({ ...w.totals(42_000) }, { ok: 0, errors: 1, rateLimited: 0 });
    assert.deepEqual({ ...w.totals(100_000) }, { ok: 0, errors: 0, rateLimited: 0 });
  });
  it('clear forgets everything', () => {
    const w = new RollingWindow();
    w.add('error', 1);
    w.clear();
    assert.deepEqual({ ...w.totals(2) }, { ok: 0, errors: 0, rateLimited: 0 });
  });
});
