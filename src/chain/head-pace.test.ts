import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headPace, type HeadPace, type HeadPaceInput } from './head-pace.js';

describe('headPace', () => {
  const none = { maxHeadLagBlocks: undefined, headMaxAgeMs: undefined };
  const cases: [string, HeadPaceInput, HeadPace][] = [
    ['mainnet (12 s) keeps 3 blocks and a 1 s head', { blockTimeMs: 12_000, ...none }, { maxLagBlocks: 3, maxLagMs: 36_000, headMaxAgeMs: 1000 }],
    ['a 2 s chain keeps 3 blocks (6 s)', { blockTimeMs: 2000, ...none }, { maxLagBlocks: 3, maxLagMs: 6000, headMaxAgeMs: 1000 }],
    ['Arbitrum (250 ms) allows 12 blocks, 3 s behind', { blockTimeMs: 250, ...none }, { maxLagBlocks: 12, maxLagMs: 3000, headMaxAgeMs: 500 }],
    ['zkSync (200 ms) allows 15 blocks', { blockTimeMs: 200, ...none }, { maxLagBlocks: 15, maxLagMs: 3000, headMaxAgeMs: 500 }],
    ['a 700 ms chain rounds up to 5 blocks, head 700 ms', { blockTimeMs: 700, ...none }, { maxLagBlocks: 5, maxLagMs: 3500, headMaxAgeMs: 700 }],
    ['an unknown block time keeps the defaults', { blockTimeMs: undefined, ...none }, { maxLagBlocks: 3, maxLagMs: undefined, headMaxAgeMs: 1000 }],
    ['MAX_HEAD_LAG_BLOCKS overrides the pace', { blockTimeMs: 250, maxHeadLagBlocks: 2, headMaxAgeMs: undefined }, { maxLagBlocks: 2, maxLagMs: 500, headMaxAgeMs: 500 }],
    ['HEAD_MAX_AGE_MS overrides the head age', { blockTimeMs: 250, maxHeadLagBlocks: undefined, headMaxAgeMs: 3000 }, { maxLagBlocks: 12, maxLagMs: 3000, headMaxAgeMs: 3000 }],
    ['MAX_HEAD_LAG_BLOCKS=0 is honoured', { blockTimeMs: 12_000, maxHeadLagBlocks: 0, headMaxAgeMs: 0 }, { maxLagBlocks: 0, maxLagMs: 0, headMaxAgeMs: 0 }],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.deepEqual(headPace(input), expected));
  }
});
