import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REQUEST_ID_LENGTH, RequestIds, sanitizeRequestId } from './request-id.js';

describe('sanitizeRequestId', () => {
  const table: [string, string | undefined][] = [
    ['abc-123', 'abc-123'],
    ['9f1c2a7e-4b1d-4c55-9a51-0a4c2d7f1e22', '9f1c2a7e-4b1d-4c55-9a51-0a4c2d7f1e22'],
    ['Root=1-67891233-abcdef012345678912345678', 'Root=1-67891233-abcdef012345678912345678'],
    ['id with spaces', 'idwithspaces'],
    ['"quoted"<tag>', 'quotedtag'],
    ['ünïcödé-ok', 'ncd-ok'],
    ['\u0000\u0007', undefined],
    ['   ', undefined],
    ['x'.repeat(MAX_REQUEST_ID_LENGTH), 'x'.repeat(MAX_REQUEST_ID_LENGTH)],
    ['x'.repeat(10_000), 'x'.repeat(MAX_REQUEST_ID_LENGTH)],
  ];
  for (const [given, expected] of table) {
    it(`${JSON.stringify(given.slice(0, 40))}${given.length > 40 ? '...' : ''} -> ${expected === undefined ? 'generated' : JSON.stringify(expected.slice(0, 40))}`, () => {
      assert.equal(sanitizeRequestId(given), expected);
    });
  }
});

describe('RequestIds', () => {
  it('echoes a usable id and generates distinct ones otherwise', () => {
    const ids = new RequestIds('test');
    assert.equal(ids.from('caller-42'), 'caller-42');
    assert.deepEqual([ids.from(''), ids.from(''), ids.from('<>')], ['test-1', 'test-2', 'test-3']);
  });

  it('gives each process its own prefix', () => {
    const a = new RequestIds().next();
    const b = new RequestIds().next();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]{8}-1$/);
  });
});
