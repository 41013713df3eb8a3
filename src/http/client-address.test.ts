import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardedClient } from './client-address.js';

describe('forwardedClient', () => {
  // [X-Forwarded-For, trusted hops, client]
  const table: [string, number, string | undefined][] = [
    ['', 1, undefined],
    ['203.0.113.7', 1, '203.0.113.7'],
    ['203.0.113.7', 0, undefined],
    ['198.51.100.1, 203.0.113.7', 1, '203.0.113.7'],
    ['spoofed, 198.51.100.1, 203.0.113.7', 2, '198.51.100.1'],
    ['198.51.100.1,203.0.113.7', 2, '198.51.100.1'],
    ['203.0.113.7', 3, '203.0.113.7'],
    ['2001:db8::1', 1, '2001:db8::1'],
    ['1.2.3.4, 2001:db8::1 ', 1, '2001:db8::1'],
    ['1.2.3.4, not-an-ip', 1, undefined],
    ['1.2.3.4, ', 1, undefined],
    ['<script>, 1.2.3.4', 2, undefined],
    [`${'9.9.9.9, '.repeat(5000)}203.0.113.7`, 1, '203.0.113.7'],
    [`${'x'.repeat(100_000)}, 203.0.113.7`, 1, '203.0.113.7'],
  ];
  for (const [header, hops, client] of table) {
    it(`${header.length > 60 ? `${header.slice(0, 20)}... (${header.length} chars)` : JSON.stringify(header)} with ${hops} hop(s) -> ${client}`, () => {
      assert.equal(forwardedClient(header, hops), client);
    });
  }
});
