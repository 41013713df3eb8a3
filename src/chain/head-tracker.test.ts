import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Head } from './head.js';
import { HeadTracker } from './head-tracker.js';

const head = (n: number): Head => ({ number: BigInt(n), hash: `0x${n.toString(16).padStart(64, '0')}`, numberHex: `0x${n.toString(16)}` });

describe('HeadTracker', () => {
  it('polls nothing until asked, then at most once per max age while asked', async () => {
    let now = 0;
    let fetches = 0;
    let next = 1;
    const tracker = new HeadTracker(async () => (fetches++, head(next)), 1000, () => now);
    assert.equal(fetches, 0);
    assert.equal(tracker.current(), undefined);
    assert.deepEqual(await tracker.get(), head(1));
    assert.equal(fetches, 1);
    now = 400;
    assert.deepEqual(tracker.current(), head(1));
    assert.equal(fetches, 1);
    // Past half its life a hit refreshes ahead in the background, still answering at once.
    now = 600;
    next = 2;
    assert.deepEqual(tracker.current(), head(1));
    assert.equal(fetches, 2);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(tracker.current(), head(2));
    // Idle: no calls however long nothing asks.
    now = 100_000;
    assert.equal(fetches, 2);
    assert.equal(tracker.current(), undefined);
  });

  it('shares one refresh among concurrent waiters', async () => {
    let fetches = 0;
    const tracker = new HeadTracker(async () => (fetches++, head(7)), 1000, () => 0);
    const heads = await Promise.all(Array.from({ length: 50 }, () => tracker.get()));
    assert.equal(fetches, 1);
    assert.ok(heads.every((h) => h.number === 7n));
  });

  it('never steps back to an older head', async () => {
    let now = 0;
    let next = 10;
    const tracker = new HeadTracker(async () => head(next), 1000, () => now);
    await tracker.get();
    next = 9;
    now = 2000;
    assert.equal((await tracker.get()).number, 10n);
  });
});
