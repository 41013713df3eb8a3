import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAddress } from 'ethers';
import { AddressMemo, checkAddress, toChecksum } from './address.js';

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

describe('checkAddress', () => {
  it('agrees with ethers.getAddress on random addresses', () => {
    for (let i = 0; i < 500; i++) {
      const hex = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
      assert.equal(toChecksum(hex), getAddress(`0x${hex}`));
    }
  });

  it('accepts exactly the EIP-55 form ethers.getAddress gives, and refuses one flipped letter', () => {
    for (let i = 0; i < 500; i++) {
      const hex = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');
      const eip55 = getAddress(`0x${hex}`);
      assert.deepEqual(checkAddress(eip55, 'strict'), { ok: true, address: eip55 });
      const letter = [...eip55].findIndex((c, j) => j > 1 && /[a-fA-F]/.test(c));
      if (letter < 0 || eip55.slice(2) === eip55.slice(2).toLowerCase() || eip55.slice(2) === eip55.slice(2).toUpperCase()) continue;
      const c = eip55[letter]!;
      const flipped = `${eip55.slice(0, letter)}${c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()}${eip55.slice(letter + 1)}`;
      const refused = checkAddress(flipped, 'strict');
      assert.equal(refused.ok, false);
      assert.equal(refused.ok ? undefined : refused.checksummed, eip55);
    }
  });

  const cases: [string, string, ReturnType<typeof checkAddress>][] = [
    ['valid checksum', SEED, { ok: true, address: SEED }],
    [
      "the seed README's wrong checksum",
      '0xc94770007dDa54cF92009BFF0dE90c06F603a09f',
      {
        ok: false,
        code: 'BAD_CHECKSUM',
        detail: `the EIP-55 checksum does not match: did you mean ${SEED}?`,
        checksummed: SEED,
      },
    ],
    [
      'all lowercase in strict mode',
      SEED.toLowerCase(),
      { ok: false, code: 'ADDRESS_NOT_CHECKSUMMED', detail: `addresses must be EIP-55 checksummed: use ${SEED}`, checksummed: SEED },
    ],
    [
      'all uppercase in strict mode',
      `0x${SEED.slice(2).toUpperCase()}`,
      { ok: false, code: 'ADDRESS_NOT_CHECKSUMMED', detail: `addresses must be EIP-55 checksummed: use ${SEED}`, checksummed: SEED },
    ],
    ['too short', '0x1234', { ok: false, code: 'INVALID_ADDRESS', detail: 'an address is 0x followed by 40 hexadecimal digits' }],
    ['no 0x', SEED.slice(2) + '00', { ok: false, code: 'INVALID_ADDRESS', detail: 'an address is 0x followed by 40 hexadecimal digits' }],
    ['non-hex', '0xg94770007dda54cF92009BFF0dE90c06F603a09f', { ok: false, code: 'INVALID_ADDRESS', detail: 'an address is 0x followed by 40 hexadecimal digits' }],
    ['empty', '', { ok: false, code: 'INVALID_ADDRESS', detail: 'an address is 0x followed by 40 hexadecimal digits' }],
    ['trailing newline', `${SEED}\n`, { ok: false, code: 'INVALID_ADDRESS', detail: 'an address is 0x followed by 40 hexadecimal digits' }],
  ];
  for (const [name, input, expected] of cases) {
    it(`strict: ${name}`, () => assert.deepEqual(checkAddress(input, 'strict'), expected));
  }

  it('lenient mode accepts single-case addresses and returns the checksummed form', () => {
    assert.deepEqual(checkAddress(SEED.toLowerCase(), 'lenient'), { ok: true, address: SEED });
    assert.deepEqual(checkAddress(`0x${SEED.slice(2).toUpperCase()}`, 'lenient'), { ok: true, address: SEED });
  });

  it('lenient mode still refuses a wrong mixed-case checksum', () => {
    assert.equal(checkAddress('0xc94770007dDa54cF92009BFF0dE90c06F603a09f', 'lenient').ok, false);
  });
});

describe('AddressMemo', () => {
  it('remembers well-formed inputs and evicts the oldest beyond its bound', () => {
    const memo = new AddressMemo('strict', 2);
    const a = memo.check(SEED);
    assert.equal(memo.get(SEED), a);
    memo.check('0x' + '1'.repeat(40));
    memo.check('0x' + '2'.repeat(40));
    assert.equal(memo.get(SEED), undefined);
    assert.notEqual(memo.get('0x' + '2'.repeat(40)), undefined);
  });

  it('does not remember malformed inputs', () => {
    const memo = new AddressMemo('strict', 10);
    memo.check('0xnope');
    memo.check('0x' + 'z'.repeat(40));
    assert.equal(memo.get('0xnope'), undefined);
    assert.equal(memo.get('0x' + 'z'.repeat(40)), undefined);
  });
});

describe('AddressMemo bound', () => {
  it('forgets the oldest first and stays at its bound', () => {
    const memo = new AddressMemo('lenient', 1000);
    const inputs = Array.from({ length: 2500 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    for (const input of inputs) memo.check(input);
    assert.equal(memo.size, 1000);
    assert.equal(memo.get(inputs[1499]!), undefined);
    assert.equal(memo.get(inputs[1500]!)?.ok, true);
    memo.remember(inputs[2499]!, memo.get(inputs[2499]!)!);
    assert.equal(memo.size, 1000);
  });
});
