import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cancel } from './cancel.js';

describe('Cancel', () => {
  it('runs each listener once with the first reason, and at once for a listener added after', () => {
    const cancel = new Cancel();
    const seen: string[] = [];
    cancel.onCancel(() => seen.push(`a:${cancel.reason}`));
    const forget = cancel.onCancel(() => seen.push('removed'));
    cancel.onCancel(() => seen.push(`b:${cancel.reason}`));
    forget();
    assert.equal(cancel.cancelled, false);
    cancel.cancel('deadline');
    cancel.cancel('hedge-lost');
    cancel.onCancel(() => seen.push(`late:${cancel.reason}`));
    assert.deepEqual(seen, ['a:deadline', 'b:deadline', 'late:deadline']);
    assert.equal(cancel.cancelled, true);
  });
});
