import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockTagEcho, isImmutableTag, parseBlockTag, type BlockTag } from './block-tag.js';

const HASH = '0x' + 'ab'.repeat(32);

describe('parseBlockTag accepts', () => {
  const cases: [string, string | undefined, BlockTag, string][] = [
    ['absent as latest', undefined, { kind: 'latest' }, 'latest'],
    ['latest', 'latest', { kind: 'latest' }, 'latest'],
    ['safe', 'safe', { kind: 'safe' }, 'safe'],
    ['finalized', 'finalized', { kind: 'finalized' }, 'finalized'],
    ['a decimal number', '19000000', { kind: 'number', number: 19_000_000n }, '0x121eac0'],
    ['block zero in decimal', '0', { kind: 'number', number: 0n }, '0x0'],
    ['a hex number', '0x121eac0', { kind: 'number', number: 19_000_000n }, '0x121eac0'],
    ['a hex number in upper-case digits, echoed lower', '0x121EAC0', { kind: 'number', number: 19_000_000n }, '0x121eac0'],
    ['hex with leading zeros, echoed without', '0x00ff', { kind: 'number', number: 255n }, '0xff'],
    ['decimal with leading zeros', '007', { kind: 'number', number: 7n }, '0x7'],
    ['the largest uint64 in decimal', '18446744073709551615', { kind: 'number', number: 2n ** 64n - 1n }, '0xffffffffffffffff'],
    ['the largest uint64 in hex', '0xffffffffffffffff', { kind: 'number', number: 2n ** 64n - 1n }, '0xffffffffffffffff'],
    ['a block hash', HASH, { kind: 'hash', hash: HASH }, HASH],
    ['a mixed-case block hash, echoed lower', HASH.toUpperCase().replace('0X', '0x'), { kind: 'hash', hash: HASH }, HASH],
  ];
  for (const [name, input, tag, echo] of cases) {
    it(name, () => {
      const parsed = parseBlockTag(input);
      assert.deepEqual(parsed, { ok: true, tag });
      assert.equal(blockTagEcho(tag), echo);
    });
  }
});

describe('parseBlockTag refuses', () => {
  const cases: [string, string, RegExp][] = [
    ['pending', 'pending', /"pending" is not a block tag/],
    ['earliest', 'earliest', /not a block tag/],
    ['an upper-case word', 'LATEST', /not a block tag/],
    ['an empty value', '', /"" is not a block tag/],
    ['a negative number', '-1', /not a block tag/],
    ['a plus sign', '+1', /not a block tag/],
    ['a fraction', '1.5', /not a block tag/],
    ['an exponent', '1e6', /not a block tag/],
    ['a hex exponent lookalike', '0x1p3', /not a block tag/],
    ['surrounding whitespace', ' 1', /not a block tag/],
    ['a trailing newline', '1\n', /not a block tag/],
    ['0x without digits', '0x', /no digits/],
    ['an upper-case 0X prefix', '0X10', /not a block tag/],
    ['a decimal above uint64', '18446744073709551616', /larger than 2\^64-1$/],
    ['a hex number above uint64', '0x10000000000000000', /larger than 2\^64-1 \(a block hash has exactly 64 hex digits\)/],
    ['a hash one digit short', HASH.slice(0, -1), /larger than 2\^64-1/],
    ['a hash one digit long', `${HASH}a`, /too long/],
    ['a hash with a non-hex digit', `0x${'g'.repeat(64)}`, /not a block tag/],
    ['a very long value', '1'.repeat(10_000), /too long/],
  ];
  for (const [name, input, detail] of cases) {
    it(name, () => {
      const parsed = parseBlockTag(input);
      assert.equal(parsed.ok, false);
      assert.match((parsed as { detail: string }).detail, detail);
    });
  }

  it('quotes control characters harmlessly and cuts long input short', () => {
    const parsed = parseBlockTag('x\u0000y');
    assert.deepEqual(parsed, { ok: false, detail: `"x?y" is not a block tag: ${TAG_HELP_TEXT}` });
    const long = parseBlockTag('z'.repeat(500)) as { detail: string };
    assert.ok(long.detail.length < 300);
  });
});

const TAG_HELP_TEXT =
  'a block tag is latest, safe, finalized, a block number (decimal or 0x hex, at most 2^64-1) or a block hash (0x and 64 hex digits)';

describe('isImmutableTag', () => {
  const cases: [BlockTag, boolean][] = [
    [{ kind: 'latest' }, false],
    [{ kind: 'safe' }, false],
    [{ kind: 'finalized' }, true],
    [{ kind: 'number', number: 1n }, true],
    [{ kind: 'hash', hash: HASH }, true],
  ];
  for (const [tag, immutable] of cases) {
    it(`${tag.kind} is ${immutable ? 'immutable' : 'moving'}`, () => assert.equal(isImmutableTag(tag), immutable));
  }
});
