import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffVerdict, type BackoffVerdict } from './retry-after.js';

describe('backoffVerdict', () => {
  const table: [string, number[], number, BackoffVerdict][] = [
    ['a provider askable now is asked', [0], 4000, { kind: 'ask', inMs: 0 }],
    ['a past back-off counts as now', [-300], 4000, { kind: 'ask', inMs: 0 }],
    ['a back-off that ends before the deadline: wait for it', [1500], 4000, { kind: 'ask', inMs: 1500 }],
    ['the earliest of several decides', [30_000, 800, 5000], 4000, { kind: 'ask', inMs: 800 }],
    ['backoff_seconds 30 against a 4 s deadline: 502 now, retry after 30 s', [30_000], 4000, { kind: 'fail-fast', retryAfterSeconds: 30 }],
    ['two providers cooling past the deadline: the earlier one names the wait', [45_000, 12_500], 4000, { kind: 'fail-fast', retryAfterSeconds: 13 }],
    ['a back-off ending exactly at the deadline cannot be used', [4000], 4000, { kind: 'fail-fast', retryAfterSeconds: 4 }],
    ['deadline already passed, provider askable now', [0], 0, { kind: 'fail-fast', retryAfterSeconds: 1 }],
    ['no candidate at all: retry after a second', [], 4000, { kind: 'fail-fast', retryAfterSeconds: 1 }],
  ];
  for (const [name, askable, remaining, expected] of table) {
    it(name, () => assert.deepEqual(backoffVerdict(askable, remaining), expected));
  }
});
