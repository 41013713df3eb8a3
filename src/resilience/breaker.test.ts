import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, cooldownMs, DEFAULT_BREAKER_POLICY, rateLimitCooldownMs } from './breaker.js';

describe('cooldownMs', () => {
  const table: [number, number][] = [
    [0, 1000],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 15_000],
    [50, 15_000],
  ];
  for (const [opens, expected] of table) it(`open #${opens} waits ${expected} ms`, () => assert.equal(cooldownMs(opens), expected));
  it('never exceeds 30 s, so a recovered provider is back within 30 s', () => {
    assert.ok(cooldownMs(1000, DEFAULT_BREAKER_POLICY) + 2 * 2000 <= 30_000);
  });
});

describe('rateLimitCooldownMs', () => {
  const table: [number | undefined, number][] = [
    [undefined, 30_000],
    [5000, 5000],
    [0, 250],
    [Number.NaN, 30_000],
    [86_400_000, 900_000],
  ];
  for (const [asked, expected] of table) it(`asked ${asked} -> ${expected} ms`, () => assert.equal(rateLimitCooldownMs(asked), expected));
});

/** Drives a breaker through a script of [time, event] and records the state after each step. */
function run(script: [number, 'ok' | 'fail' | 'probe' | 'look'][]): string[] {
  const b = new CircuitBreaker();
  return script.map(([t, event]) => {
    if (event === 'ok') b.success(t);
    else if (event === 'fail') b.failure(t);
    else if (event === 'probe') return `${b.tryProbe(t) ? 'probe' : 'no-probe'}:${b.state(t)}`;
    return b.state(t);
  });
}

describe('CircuitBreaker', () => {
  it('opens after three consecutive failures, half-opens after 1 s, closes on the probe', () => {
    assert.deepEqual(
      run([
        [0, 'fail'],
        [1, 'fail'],
        [2, 'ok'],
        [3, 'fail'],
        [4, 'fail'],
        [5, 'fail'],
        [500, 'probe'],
        [1005, 'probe'],
        [1006, 'probe'],
        [1010, 'ok'],
      ]),
      ['closed', 'closed', 'closed', 'closed', 'closed', 'open', 'no-probe:open', 'probe:half-open', 'no-probe:half-open', 'closed'],
    );
  });

  it('opens when half of the last ten calls failed, even with no three in a row', () => {
    const alternating = (n: number) => Array.from({ length: n }, (_, i): [number, 'ok' | 'fail'] => [i, i % 2 === 0 ? 'fail' : 'ok']);
    assert.equal(run(alternating(8)).at(-1), 'closed', 'four of eight');
    assert.equal(run(alternating(9)).at(-1), 'open', 'five of nine');
  });

  it('doubles the cooldown when the probe fails, and forgets after a minute closed', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(0);
    assert.equal(b.retryInMs(0), 1000);
    assert.ok(b.tryProbe(1000));
    b.failure(1000);
    assert.equal(b.retryInMs(1000), 2000);
    assert.ok(b.tryProbe(3000));
    b.success(3000);
    assert.equal(b.state(3000), 'closed');
    for (let i = 0; i < 3; i++) b.failure(4000);
    assert.equal(b.retryInMs(4000), 4000, 'third open within a minute');
    b.tryProbe(8000);
    b.success(8000);
    for (let i = 0; i < 3; i++) b.failure(70_000);
    assert.equal(b.retryInMs(70_000), 1000, 'a minute closed resets the count');
  });

  it('ignores a late success while open: only the probe closes it', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(0);
    assert.equal(b.success(10), false);
    assert.equal(b.state(10), 'open');
  });

  it('closes on a last-resort success while open, and a last-resort failure does not lengthen the cooldown', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(0);
    assert.equal(b.failure(10), false);
    assert.equal(b.retryInMs(10), 990, 'cooldown unchanged');
    assert.equal(b.success(20, true), true);
    assert.equal(b.state(20), 'closed');
  });
});
