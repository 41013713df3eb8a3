import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpstreamError } from '../chain/upstream-error.js';
import { retryRounds, type RetryEvent } from './retry.js';
import { RetryBudget } from './retry-budget.js';

const fast = { baseMs: 2, capMs: 4, factor: 2, minRoundMs: 1 };
const failed = (kind: UpstreamError['kind'] = 'connection') => new UpstreamError(kind, 'a', `${kind} failure`);

/** A pass that fails with `outcomes[round]` (an error) or answers 'ok' past the list; counts its calls. */
function script(outcomes: readonly (Error | undefined)[]) {
  let passes = 0;
  return {
    passes: () => passes,
    pass: (round: number) => {
      passes++;
      const outcome = outcomes[round];
      return outcome === undefined ? Promise.resolve(`ok after ${round}`) : Promise.reject(outcome);
    },
  };
}

function plan(pass: (round: number) => Promise<string>, extra: { budget?: RetryBudget; remainingMs?: number; askableInMs?: number[]; maxRounds?: number } = {}) {
  const events: RetryEvent[] = [];
  const budget = extra.budget ?? new RetryBudget({ percent: 20, floor: 100, windowMs: 10_000, slots: 10 }, () => 0);
  const promise = retryRounds({
    pass,
    maxRounds: extra.maxRounds ?? 2,
    budget,
    remainingMs: () => extra.remainingMs ?? 4000,
    random: () => 0.5,
    askableInMs: extra.askableInMs === undefined ? undefined : () => extra.askableInMs!,
    onEvent: (e) => events.push(e),
    policy: fast,
  });
  return { promise, events };
}

async function outcome(promise: Promise<string>): Promise<string> {
  try {
    return await promise;
  } catch (error) {
    return error instanceof UpstreamError ? `${error.kind}${error.retryAfterMs === undefined ? '' : ` retry after ${error.retryAfterMs} ms`}` : `bug: ${(error as Error).message}`;
  }
}

describe('retryRounds', () => {
  const table: [string, (Error | undefined)[], { passes: number; result: string; events: RetryEvent[] }][] = [
    ['a first pass that answers is the only pass', [], { passes: 1, result: 'ok after 0', events: [] }],
    ['every candidate failed once: a second round answers', [failed()], { passes: 2, result: 'ok after 1', events: ['retry', 'recovered'] }],
    ['HTTP 500 then a reset: the third round answers', [failed('http'), failed('connection')], { passes: 3, result: 'ok after 2', events: ['retry', 'retry', 'recovered'] }],
    [
      'failing every round: 1 + RETRY_MAX_ROUNDS passes, the last error',
      [failed(), failed(), failed('timeout'), failed()],
      { passes: 3, result: 'timeout', events: ['retry', 'retry', 'failed'] },
    ],
    ['an invalid request is not retried', [failed('invalid-request')], { passes: 1, result: 'invalid-request', events: [] }],
    ['an invalid request in a retry round stops there', [failed(), failed('invalid-request')], { passes: 2, result: 'invalid-request', events: ['retry', 'failed'] }],
    ['our own bug in the first pass surfaces as itself, not retried', [new TypeError('x is undefined')], { passes: 1, result: 'bug: x is undefined', events: [] }],
    ['our own bug in a retry round surfaces as itself', [failed(), new RangeError('bad index')], { passes: 2, result: 'bug: bad index', events: ['retry', 'failed'] }],
  ];
  for (const [name, outcomes, expected] of table) {
    it(name, async () => {
      const s = script(outcomes);
      const { promise, events } = plan(s.pass);
      const result = await outcome(promise);
      assert.deepEqual({ passes: s.passes(), result, events }, expected);
    });
  }

  it('RETRY_MAX_ROUNDS=0 never retries', async () => {
    const s = script([failed()]);
    const { promise, events } = plan(s.pass, { maxRounds: 0 });
    assert.deepEqual({ result: await outcome(promise), passes: s.passes(), events }, { result: 'connection', passes: 1, events: [] });
  });

  it('no round is started when the deadline leaves no room', async () => {
    const s = script([failed()]);
    const { promise, events } = plan(s.pass, { remainingMs: 1 });
    assert.deepEqual({ result: await outcome(promise), passes: s.passes(), events }, { result: 'connection', passes: 1, events: [] });
  });

  it('a back-off that outlasts the deadline fails fast with Retry-After, without another pass', async () => {
    const s = script([failed('rate-limited')]);
    const { promise, events } = plan(s.pass, { askableInMs: [30_000], remainingMs: 4000 });
    assert.deepEqual({ result: await outcome(promise), passes: s.passes(), events }, { result: 'rate-limited retry after 30000 ms', passes: 1, events: ['fail-fast'] });
  });

  it('a back-off that ends before the deadline is waited for', async () => {
    const s = script([failed('rate-limited')]);
    const { promise, events } = plan(s.pass, { askableInMs: [5], remainingMs: 4000 });
    assert.deepEqual({ result: await outcome(promise), passes: s.passes(), events }, { result: 'ok after 1', passes: 2, events: ['retry', 'recovered'] });
  });

  it('with the budget spent, reads fall back to one pass each', async () => {
    const budget = new RetryBudget({ percent: 20, floor: 2, windowMs: 10_000, slots: 10 }, () => 0);
    const passes: number[] = [];
    const events: RetryEvent[][] = [];
    for (let i = 0; i < 4; i++) {
      const s = script([failed(), failed(), failed()]);
      const run = plan(s.pass, { budget });
      await outcome(run.promise);
      passes.push(s.passes());
      events.push(run.events);
    }
    assert.deepEqual(passes, [3, 1, 1, 1]);
    assert.deepEqual(events, [['retry', 'retry', 'failed'], ['budget-exhausted'], ['budget-exhausted'], ['budget-exhausted']]);
    assert.equal(budget.exhausted, 3);
  });
});
