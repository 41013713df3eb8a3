import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter, retryAfterSeconds, takeToken, type Bucket } from './rate-limit.js';

describe('takeToken', () => {
  // [what, bucket before, now (ms), rps, burst, returned wait (s), tokens after]
  const table: [string, Bucket, number, number, number, number, number][] = [
    ['a full bucket gives a token', { tokens: 5, at: 0 }, 0, 1, 5, 0, 4],
    ['the last token goes', { tokens: 1, at: 0 }, 0, 1, 5, 0, 0],
    ['an empty bucket refuses, one token away at 1 rps', { tokens: 0, at: 0 }, 0, 1, 5, 1, 0],
    ['half a token refilled at 1 rps after 500 ms', { tokens: 0, at: 0 }, 500, 1, 5, 0.5, 0.5],
    ['refill after a second gives exactly one', { tokens: 0, at: 0 }, 1000, 1, 5, 0, 0],
    ['refill never passes the burst', { tokens: 0, at: 0 }, 60_000, 10, 3, 0, 2],
    ['a fast rate refills quickly', { tokens: 0, at: 0 }, 10, 100, 100, 0, 0],
    ['a slow rate asks for a long wait', { tokens: 0, at: 0 }, 0, 0.1, 1, 10, 0],
    ['a clock that steps back does not drain the bucket', { tokens: 2, at: 1000 }, 500, 1, 5, 0, 1],
  ];
  for (const [what, before, now, rps, burst, wait, after] of table) {
    it(what, () => {
      const bucket = { ...before };
      assert.ok(Math.abs(takeToken(bucket, now, rps, burst) - wait) < 1e-9);
      assert.ok(Math.abs(bucket.tokens - after) < 1e-9);
      assert.equal(bucket.at, now);
    });
  }
});

describe('retryAfterSeconds', () => {
  for (const [wait, seconds] of [[0.001, 1], [0.5, 1], [1, 1], [1.01, 2], [9.5, 10]] as const) {
    it(`${wait} s -> ${seconds}`, () => assert.equal(retryAfterSeconds(wait), seconds));
  }
});

describe('RateLimiter', () => {
  it('limits each client on its own', () => {
    const limiter = new RateLimiter(1, 2, 100);
    assert.deepEqual([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)], [0, 0, 1]);
    assert.equal(limiter.take('b', 0), 0);
    assert.equal(limiter.take('a', 1000), 0);
  });

  it('never remembers more than maxClients', () => {
    const limiter = new RateLimiter(1, 1, 50);
    for (let i = 0; i < 10_000; i++) limiter.take(`client-${i}`, i);
    assert.equal(limiter.size, 50);
  });

  it('forgets clients whose bucket has refilled, and only those', () => {
    const limiter = new RateLimiter(10, 10, 100);
    for (let i = 0; i < 10; i++) limiter.take('busy', 0);
    limiter.take('quiet', 0);
    // 10 tokens at 10 rps: full again after 1 s.
    assert.equal(limiter.sweep(999), 0);
    limiter.take('busy', 999);
    assert.equal(limiter.sweep(1000), 1);
    assert.equal(limiter.size, 1);
    assert.equal(limiter.take('quiet', 1000), 0);
  });
});
