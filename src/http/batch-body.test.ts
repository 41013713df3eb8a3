import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressMemo, checkAddress } from '../codec/address.js';
import { checkBatchAddresses, isJsonContentType, maxBatchBodyBytes, parseBatchBody } from './batch-body.js';

const A = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const B = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const HASH = '0x' + '12'.repeat(32);

describe('isJsonContentType', () => {
  const cases: [string, boolean][] = [
    ['application/json', true],
    ['Application/JSON', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset=UTF-8', true],
    ['application/json; charset="utf-8"', true],
    ['application/json; charset=utf8', true],
    ['application/json; foo=bar', true],
    ['application/json; charset=iso-8859-1', false],
    ['application/jsonp', false],
    ['application/json-patch+json', false],
    ['text/json', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['', false],
  ];
  for (const [header, json] of cases) {
    it(`${JSON.stringify(header)} is ${json ? '' : 'not '}JSON`, () => assert.equal(isJsonContentType(header), json));
  }
});

describe('maxBatchBodyBytes', () => {
  it('fits the largest batch pretty-printed with a hash tag', () => {
    const body = JSON.stringify({ addresses: Array.from({ length: 1000 }, () => A), blockTag: HASH }, null, 8);
    assert.ok(Buffer.byteLength(body) <= maxBatchBodyBytes(1000), `${Buffer.byteLength(body)} bytes`);
  });
  it('grows with the maximum', () => assert.ok(maxBatchBodyBytes(10) < maxBatchBodyBytes(1000)));
});

describe('parseBatchBody', () => {
  it('takes addresses and defaults the tag to latest', () => {
    assert.deepEqual(parseBatchBody(JSON.stringify({ addresses: [A, B] }), 1000), { ok: true, inputs: [A, B], tag: { kind: 'latest' } });
  });

  it('takes a block tag, as the single route parses it', () => {
    assert.deepEqual(parseBatchBody(JSON.stringify({ addresses: [A], blockTag: '0x10' }), 1000), {
      ok: true,
      inputs: [A],
      tag: { kind: 'number', number: 16n },
    });
  });

  const refusals: [string, string, string, string][] = [
    ['not JSON', '{"addresses": [', 'INVALID_BODY', 'the body is not valid JSON'],
    ['an empty body', '', 'INVALID_BODY', 'the body is not valid JSON'],
    ['an array', '[]', 'INVALID_BODY', 'the body must be a JSON object: {"addresses": ["0x...", ...], "blockTag": "latest"}'],
    ['null', 'null', 'INVALID_BODY', 'the body must be a JSON object: {"addresses": ["0x...", ...], "blockTag": "latest"}'],
    ['no addresses', '{}', 'INVALID_BODY', '"addresses" must be an array of addresses'],
    ['addresses not an array', `{"addresses": "${A}"}`, 'INVALID_BODY', '"addresses" must be an array of addresses'],
    ['an empty array', '{"addresses": []}', 'INVALID_BODY', '"addresses" must hold at least one address'],
    ['an unknown member', `{"addresses": ["${A}"], "blocktag": "safe"}`, 'INVALID_BODY', 'unknown member "blocktag": the body takes "addresses", "blockTag" and "network"'],
    ['three addresses over a maximum of two', JSON.stringify({ addresses: [A, A, A] }), 'TOO_MANY_ADDRESSES', 'a batch holds at most 2 addresses, got 3'],
    ['a numeric tag', `{"addresses": ["${A}"], "blockTag": 5}`, 'INVALID_BLOCK_TAG', '"blockTag" must be a string'],
    ['a pending tag', `{"addresses": ["${A}"], "blockTag": "pending"}`, 'INVALID_BLOCK_TAG', ''],
  ];
  for (const [name, text, code, detail] of refusals) {
    it(`refuses ${name} with ${code}`, () => {
      const result = parseBatchBody(text, 2);
      assert.equal(result.ok, false);
      const refusal = result as { code: string; detail: string };
      assert.equal(refusal.code, code);
      if (detail !== '') assert.equal(refusal.detail, detail);
    });
  }
});

describe('checkBatchAddresses', () => {
  const strict = (input: string) => checkAddress(input, 'strict');

  it('returns the EIP-55 forms in request order with duplicates kept', () => {
    const lenient = new AddressMemo('lenient');
    assert.deepEqual(checkBatchAddresses([B, A.toLowerCase(), B], (i) => lenient.check(i)), { ok: true, addresses: [B, A, B] });
  });

  it('lists every bad address with its index, code and, when well-formed, the checksummed form', () => {
    const badChecksum = '0xc94770007dDa54cF92009BFF0dE90c06F603a09f';
    const result = checkBatchAddresses([A, A.toLowerCase(), 'nope', 42, badChecksum, B], strict);
    assert.deepEqual(result, {
      ok: false,
      code: 'INVALID_ADDRESSES',
      detail: '4 of 6 addresses are invalid; see errors (index, code and, where known, the EIP-55 form)',
      extra: {
        errors: [
          { index: 1, code: 'ADDRESS_NOT_CHECKSUMMED', checksummed: A },
          { index: 2, code: 'INVALID_ADDRESS' },
          { index: 3, code: 'INVALID_ADDRESS' },
          { index: 4, code: 'BAD_CHECKSUM', checksummed: A },
        ],
      },
    });
  });

  it('says "is" for a single bad address', () => {
    const result = checkBatchAddresses([A, 'x'], strict) as { detail: string };
    assert.equal(result.detail, '1 of 2 addresses is invalid; see errors (index, code and, where known, the EIP-55 form)');
  });
});
