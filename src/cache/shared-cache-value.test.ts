import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSharedValue, encodeSharedValue, lockKey, sharedKey, type SharedKey } from './shared-cache-value.js';

const HASH = `0x${'ab'.repeat(32)}`;
const OTHER_HASH = `0x${'cd'.repeat(32)}`;
const ROOT = `0x${'ef'.repeat(32)}`;
const ADDRESS = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';
const KEY: SharedKey = { chainId: 1, blockHash: HASH, address: ADDRESS, verified: false };
const VERIFIED: SharedKey = { ...KEY, verified: true };

describe('shared cache keys', () => {
  it('name chain id, block hash and address in one hash tag, the lock beside it', () => {
    assert.equal(sharedKey('balance-api:', KEY), `balance-api:{1:${HASH}:${ADDRESS.toLowerCase()}}`);
    assert.equal(lockKey('balance-api:', KEY), `balance-api:{1:${HASH}:${ADDRESS.toLowerCase()}}:lock`);
  });
  it('keep verified entries apart from unverified ones', () => {
    assert.equal(sharedKey('p:', VERIFIED), `p:{1:${HASH}:${ADDRESS.toLowerCase()}}:v`);
    assert.notEqual(sharedKey('p:', VERIFIED), sharedKey('p:', KEY));
  });
  it('do not depend on the address case', () => {
    assert.equal(sharedKey('p:', KEY), sharedKey('p:', { ...KEY, address: ADDRESS.toLowerCase() }));
  });
});

describe('shared cache values', () => {
  it('round-trip a balance with what it is for', () => {
    const encoded = encodeSharedValue({ ...KEY, wei: 12345678901234567890n, stateRoot: undefined });
    assert.equal(encoded, `b1|1|${HASH}|${ADDRESS.toLowerCase()}|12345678901234567890|0|`);
    assert.deepEqual(decodeSharedValue(encoded, KEY), { ...KEY, wei: 12345678901234567890n, stateRoot: undefined });
  });
  it('round-trip a verified balance with its state root', () => {
    const encoded = encodeSharedValue({ ...VERIFIED, wei: 0n, stateRoot: ROOT });
    assert.deepEqual(decodeSharedValue(encoded, VERIFIED), { ...VERIFIED, wei: 0n, stateRoot: ROOT });
  });
  it('round-trip the largest uint256 and refuse anything beyond', () => {
    const max = (1n << 256n) - 1n;
    assert.equal(decodeSharedValue(encodeSharedValue({ ...KEY, wei: max, stateRoot: undefined }), KEY)?.wei, max);
    assert.throws(() => encodeSharedValue({ ...KEY, wei: max + 1n, stateRoot: undefined }), RangeError);
  });
  it('refuse to encode a verified value without a state root', () => {
    assert.throws(() => encodeSharedValue({ ...VERIFIED, wei: 1n, stateRoot: undefined }), TypeError);
  });

  const good = `b1|1|${HASH}|${ADDRESS.toLowerCase()}|100|0|`;
  const poison: [string, string | null | undefined, SharedKey][] = [
    ['nothing there', null, KEY],
    ['garbage', 'not a value', KEY],
    ['JSON from someone else', '{"wei":"100"}', KEY],
    ['another version', good.replace('b1|', 'b2|'), KEY],
    ['another chain', good.replace('b1|1|', 'b1|5|'), KEY],
    ['another block', good.replace(HASH, OTHER_HASH), KEY],
    ['another address', good.replace(ADDRESS.toLowerCase(), `0x${'11'.repeat(20)}`), KEY],
    ['a negative balance', good.replace('|100|', '|-100|'), KEY],
    ['a hex balance', good.replace('|100|', '|0x64|'), KEY],
    ['a leading zero', good.replace('|100|', '|0100|'), KEY],
    ['a balance beyond uint256', good.replace('|100|', `|${(1n << 256n).toString()}|`), KEY],
    ['an unverified value for a verified request', good, VERIFIED],
    ['a verified value for an unverified request', `b1|1|${HASH}|${ADDRESS.toLowerCase()}|100|1|${ROOT}`, KEY],
    ['a verified value without a root', `b1|1|${HASH}|${ADDRESS.toLowerCase()}|100|1|`, VERIFIED],
    ['an extra field', `${good}|x`, KEY],
    ['a huge value', good + 'x'.repeat(1000), KEY],
  ];
  for (const [name, raw, key] of poison) it(`ignore ${name}`, () => assert.equal(decodeSharedValue(raw, key), undefined));
});
