import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PooledCodec, InlineCodec } from './codec-pool.js';
import type { CodecTask } from './batch.js';

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

describe('PooledCodec', () => {
  const pool = new PooledCodec(2);
  after(() => pool.close());

  it('runs a turn of tasks on real workers in one batch and matches the inline results', async () => {
    const tasks: CodecTask[] = [
      { kind: 'check', input: SEED, mode: 'strict' },
      { kind: 'check', input: SEED.toLowerCase(), mode: 'strict' },
      { kind: 'check', input: 'nope', mode: 'strict' },
      { kind: 'format', address: SEED, network: 'devnet', chainId: 31337, wei: '136500000000000', rpcLatencyMs: 1, blockTag: 'latest', blockNumber: '0x1', blockHash: `0x${'00'.repeat(32)}` },
    ];
    const inline = new InlineCodec();
    const expected = await Promise.all(tasks.map((t) => inline.run(t)));
    const before = pool.stats();
    const results = await Promise.all(tasks.map((t) => pool.run(t)));
    assert.deepEqual(results, expected);
    assert.equal(before.workers, 2);
    assert.equal(JSON.parse(results[3] as string).balance, '0.0001365');
  });
});
