import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agreeOnHash, quorumNeeded, type HashVote } from './quorum.js';

const A = `0x${'a'.repeat(64)}`;
const B = `0x${'b'.repeat(64)}`;
const vote = (provider: string, hash: string | undefined): HashVote => ({ provider, hash });

describe('quorumNeeded', () => {
  const table: [string, number, number | undefined, number][] = [
    ['one provider needs itself', 1, undefined, 1],
    ['two providers need both', 2, undefined, 2],
    ['three need two', 3, undefined, 2],
    ['four need three', 4, undefined, 3],
    ['five need three', 5, undefined, 3],
    ['no usable provider still needs one (unreachable)', 0, undefined, 1],
    ['VERIFY_QUORUM wins over the majority', 5, 1, 1],
    ['VERIFY_QUORUM may exceed the usable count (unreachable)', 2, 3, 3],
  ];
  for (const [name, usable, configured, needed] of table) {
    it(name, () => assert.equal(quorumNeeded(usable, configured), needed));
  }
});

describe('agreeOnHash', () => {
  const table: { name: string; votes: HashVote[]; configured?: number; expected: ReturnType<typeof agreeOnHash> }[] = [
    {
      name: 'a lone provider is its own quorum',
      votes: [vote('a', A)],
      expected: { agreed: true, hash: A, votes: 1, needed: 1, providers: ['a'] },
    },
    {
      name: 'two of three outvote a liar',
      votes: [vote('a', A), vote('liar', B), vote('c', A)],
      expected: { agreed: true, hash: A, votes: 2, needed: 2, providers: ['a', 'c'] },
    },
    {
      name: 'a silent provider still counts in the base: one answer of three is no majority',
      votes: [vote('a', A), vote('b', undefined), vote('c', undefined)],
      expected: { agreed: false, needed: 2, best: 1, reason: '1 of 3 usable providers agree on one hash (1 answered), 2 needed' },
    },
    {
      name: 'two providers that disagree have no quorum',
      votes: [vote('a', A), vote('b', B)],
      expected: { agreed: false, needed: 2, best: 1, reason: '1 of 2 usable providers agree on one hash (2 answered), 2 needed' },
    },
    {
      name: 'a configured quorum of 1 split between two hashes is no quorum',
      votes: [vote('a', A), vote('b', B)],
      configured: 1,
      expected: { agreed: false, needed: 1, best: 1, reason: '2 different hashes each have 1 or more votes' },
    },
    {
      name: 'a configured quorum above the usable count is unreachable',
      votes: [vote('a', A), vote('b', A)],
      configured: 3,
      expected: { agreed: false, needed: 3, best: 2, reason: '2 of 2 usable providers agree on one hash (2 answered), 3 needed' },
    },
    {
      name: 'no usable provider: nothing agreed',
      votes: [],
      expected: { agreed: false, needed: 1, best: 0, reason: '0 of 0 usable providers agree on one hash (0 answered), 1 needed' },
    },
  ];
  for (const { name, votes, configured, expected } of table) {
    it(name, () => assert.deepEqual(agreeOnHash(votes, configured), expected));
  }
});
