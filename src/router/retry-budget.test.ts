import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetryBudget } from './retry-budget.js';

const policy = { percent: 20, floor: 3, windowMs: 10_000, slots: 10 };

function budgetAt(start = 0) {
  const clock = { now: start };
  return { clock, budget: new RetryBudget(policy, () => clock.now) };
}

/** How many retries in a row the budget grants right now. */
function drain(budget: RetryBudget): number {
  let n = 0;
  while (budget.tryRetry()) n++;
  return n;
}

describe('RetryBudget', () => {
  const table: [string, number, number][] = [
    ['a quiet service still gets the floor', 0, 3],
    ['20 % of 100 requests plus the floor', 100, 23],
    ['20 % of 7 requests rounds down (1.4 -> 1)', 7, 4],
    ['20 % of 10 000 requests', 10_000, 2003],
  ];
  for (const [name, calls, expected] of table) {
    it(name, () => {
      const { budget } = budgetAt();
      budget.called(calls);
      assert.equal(budget.available(), expected);
      assert.equal(drain(budget), expected);
      assert.equal(budget.exhausted, 1);
    });
  }

  it('forgets requests and retries after ten seconds, one slot at a time', () => {
    const { clock, budget } = budgetAt(1000);
    budget.called(100);
    assert.equal(drain(budget), 23);
    clock.now += 5_000;
    budget.called(50);
    assert.equal(drain(budget), 10, '150 requests allow 33; 23 already spent');
    clock.now += 5_000; // the first 100 requests and their 23 retries left the window
    assert.equal(budget.available(), 3, '50 requests allow 13; the 10 spent since are still in the window');
    budget.called(50);
    assert.equal(budget.available(), 13);
    clock.now += 10_000;
    assert.equal(budget.available(), 3, 'nothing left in the window but the floor');
  });

  it('a long idle gap clears the whole window', () => {
    const { clock, budget } = budgetAt();
    budget.called(1000);
    drain(budget);
    clock.now += 3_600_000;
    assert.equal(budget.available(), 3);
  });

  it('a round over several candidates spends one retry per request it will send, all or none', () => {
    const { budget } = budgetAt();
    budget.called(10);
    assert.equal(budget.available(), 5);
    assert.equal(budget.tryRetry(3), true);
    assert.equal(budget.tryRetry(3), false, 'two left: a round of three is refused whole');
    assert.equal(budget.available(), 2);
    assert.equal(budget.exhausted, 1);
  });
});
