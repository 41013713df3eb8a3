import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchFlags } from './flags.js';

const table = { rounds: 3, seeds: '1,2,3', quick: false, tool: null } as const;

describe('benchFlags', () => {
  it('answers the defaults when no flag is given', () => {
    assert.deepEqual(benchFlags(table, []), { rounds: 3, seeds: '1,2,3', quick: false, tool: undefined });
  });

  it('reads numbers as numbers, text as text and switches as true', () => {
    assert.deepEqual(benchFlags(table, ['--rounds', '5', '--seeds', '7', '--quick', '--tool', 'wrk']), {
      rounds: 5,
      seeds: '7',
      quick: true,
      tool: 'wrk',
    });
  });

  it('names a numeric flag that is not a number', () => {
    assert.throws(() => benchFlags(table, ['--rounds', 'many']), { message: '--rounds must be a number, got "many"' });
    assert.throws(() => benchFlags(table, ['--rounds', '']), { message: '--rounds must be a number, got ""' });
  });

  it('refuses a flag it does not know', () => {
    assert.throws(() => benchFlags(table, ['--round', '5']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });
});
