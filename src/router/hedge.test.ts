import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HedgeBudget, hedgeDelayMs } from './hedge.js';
import { LatencyWindow } from './latency.js';

describe('hedgeDelayMs', () => {
  const table: [number | undefined, number][] = [
    [undefined, 100],
    [1, 50],
    [49.2, 50],
    [120.3, 121],
    [5000, 1000],
    [Number.POSITIVE_INFINITY, 100],
  ];
  for (const [p95, expected] of table) it(`p95 ${p95} -> hedge after ${expected} ms`, () => assert.equal(hedgeDelayMs(p95), expected));
});

describe('HedgeBudget', () => {
  it('starts with a burst, then earns a tenth of a hedge per read', () => {
    const b = new HedgeBudget(0.1, 3);
    assert.deepEqual([b.trySpend(), b.trySpend(), b.trySpend(), b.trySpend()], [true, true, true, false]);
    for (let i = 0; i < 9; i++) b.earn();
    assert.equal(b.trySpend(), false, '0.9 of a token is not a hedge');
    b.earn();
    assert.equal(b.trySpend(), true);
  });
  it('keeps hedges near 10 % of reads when every read wants one', () => {
    const b = new HedgeBudget(0.1, 50);
    let hedges = 0;
    for (let i = 0; i < 10_000; i++) {
      b.earn();
      if (b.trySpend()) hedges++;
    }
    assert.ok(hedges <= 1000 + 50, String(hedges));
    assert.ok(hedges >= 1000, String(hedges));
  });
  it('never holds more than the burst', () => {
    const b = new HedgeBudget(0.1, 5);
    for (let i = 0; i < 1000; i++) b.earn();
    assert.equal(b.available, 5);
  });
});

describe('LatencyWindow', () => {
  it('has no p95 before a sample', () => assert.equal(new LatencyWindow().p95(), undefined));
  it('nearest-rank p95 of the last samples', () => {
    const w = new LatencyWindow(20);
    for (let i = 1; i <= 20; i++) w.add(i);
    assert.equal(w.p95(), 19);
    for (let i = 0; i < 20; i++) w.add(100);
    assert.equal(w.p95(), 100, 'old samples roll out');
    w.clear();
    w.add(7);
    assert.equal(w.p95(), 7);
  });
});
