import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBatchCodecBench } from './batch-codec.bench.js';

// Smoke test: the batch codec bench runs both ways and counts. No timing is asserted (2 noisy cores).
describe('batch codec bench', () => {
  it('runs inline and on the pool', async () => {
    const { rows, blocking } = await runBatchCodecBench({ time: 20, workers: 1, size: 50 });
    assert.deepEqual(
      rows.map((r) => r.task),
      ['inline (main thread)', 'piscina, 1 worker(s), one message each per step', 'inline check only', 'inline format + serialize only'],
    );
    assert.equal(rows[0]!.ratio, 1);
    assert.equal(blocking.length, 2);
    assert.ok(blocking.every((b) => b.mainThreadMsPerBatch > 0 && b.wallMsPerBatch >= b.mainThreadMsPerBatch * 0.5));
  });
});
