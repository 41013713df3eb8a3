import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config-error.js';
import { loadRetryConfig } from './retry-config.js';

describe('loadRetryConfig', () => {
  it('defaults to 2 extra rounds and a 20 % budget', () => {
    assert.deepEqual(loadRetryConfig({}), { maxRounds: 2, budgetPercent: 20 });
  });

  it('reads trimmed values, 0 included', () => {
    assert.deepEqual(loadRetryConfig({ RETRY_MAX_ROUNDS: ' 0 ', RETRY_BUDGET_PERCENT: '100' }), { maxRounds: 0, budgetPercent: 100 });
  });

  const bad: [Record<string, string>, string][] = [
    [{ RETRY_MAX_ROUNDS: 'two' }, 'RETRY_MAX_ROUNDS must be an integer from 0 to 10, got "two"'],
    [{ RETRY_MAX_ROUNDS: '11' }, 'RETRY_MAX_ROUNDS must be an integer from 0 to 10, got "11"'],
    [{ RETRY_BUDGET_PERCENT: '-1' }, 'RETRY_BUDGET_PERCENT must be an integer from 0 to 100, got "-1"'],
    [{ RETRY_BUDGET_PERCENT: '12.5' }, 'RETRY_BUDGET_PERCENT must be an integer from 0 to 100, got "12.5"'],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.throws(() => loadRetryConfig(env), (e: unknown) => e instanceof ConfigError && e.message === message);
    });
  }
});
