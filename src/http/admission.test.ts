import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BODY_BYTES, MAX_URL_LENGTH, screen } from './admission.js';

describe('screen', () => {
  const ok = '/address/balance/0x0';
  // [what, url, method, content-length, transfer-encoding, code or undefined, closes]
  const table: [string, string, string, string, string, string | undefined, boolean][] = [
    ['a plain GET', ok, 'get', '', '', undefined, false],
    ['a GET announcing an empty body', ok, 'get', '0', '', undefined, false],
    ['the longest URL allowed', '/'.repeat(MAX_URL_LENGTH), 'get', '', '', undefined, false],
    ['a URL one character too long', '/'.repeat(MAX_URL_LENGTH + 1), 'get', '', '', 'URI_TOO_LONG', false],
    ['a GET with a body', ok, 'get', '5', '', 'BODY_NOT_ALLOWED', true],
    ['a GET with a chunked body', ok, 'get', '', 'chunked', 'BODY_NOT_ALLOWED', true],
    ['a HEAD with a body', ok, 'head', '1', '', 'BODY_NOT_ALLOWED', true],
    ['a body past the limit', ok, 'post', String(MAX_BODY_BYTES + 1), '', 'PAYLOAD_TOO_LARGE', true],
    ['a GET with a huge body', ok, 'get', '99999999999', '', 'PAYLOAD_TOO_LARGE', true],
    ['a POST with a small body (routing answers 405)', ok, 'post', '2', '', undefined, false],
    ['a POST with a body of unknown length', ok, 'post', '', 'chunked', 'PAYLOAD_TOO_LARGE', true],
    ['a content-length that is not a number', ok, 'get', '12abc', '', 'BAD_REQUEST', true],
    ['a negative content-length', ok, 'post', '-1', '', 'BAD_REQUEST', true],
  ];
  for (const [what, url, method, length, encoding, code, close] of table) {
    it(what, () => {
      const refusal = screen(url, method, length, encoding);
      assert.equal(refusal?.code, code);
      assert.equal(refusal?.close ?? false, close);
    });
  }
});
