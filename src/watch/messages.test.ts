/** The watch protocol's pure parts: message parsing, item fields, upgrade checks, WATCH_* config. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balanceItem } from '../codec/balances.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { changeText, itemAddress, itemWei, parseClientMessage } from './messages.js';
import { offeredProtocols, originAllowed } from './upgrade-checks.js';

const A = '0x1111111111111111111111111111111111111111';

describe('parseClientMessage', () => {
  const cases: [string, unknown, unknown][] = [
    ['a subscribe with defaults', { op: 'subscribe', id: 's.1:a-b_c', addresses: [A] }, { op: 'subscribe', id: 's.1:a-b_c', addresses: [A], network: undefined, blockTag: 'latest' }],
    ['a subscribe by chain id at safe', { op: 'subscribe', id: 's', addresses: [A], network: 1, blockTag: 'safe' }, { op: 'subscribe', id: 's', addresses: [A], network: 1, blockTag: 'safe' }],
    ['an add', { op: 'add', id: 's', addresses: [A] }, { op: 'add', id: 's', addresses: [A] }],
    ['an unsubscribe', { op: 'unsubscribe', id: 's' }, { op: 'unsubscribe', id: 's' }],
    ['a number tag', { op: 'subscribe', id: 's', addresses: [A], blockTag: '0x10' }, 'INVALID_BLOCK_TAG'],
    ['too many in one message', { op: 'add', id: 's', addresses: [A, A, A] }, 'TOO_MANY_ADDRESSES'],
    ['a network on add', { op: 'add', id: 's', addresses: [A], network: 'x' }, 'INVALID_MESSAGE'],
    ['an empty id', { op: 'unsubscribe', id: '' }, 'INVALID_MESSAGE'],
  ];
  for (const [name, message, expected] of cases) {
    it(name, () => {
      const got = parseClientMessage(JSON.stringify(message), 2);
      if (typeof expected === 'string') assert.equal('ok' in got && got.code, expected);
      else assert.deepEqual(got, expected);
    });
  }
});

describe('watch message parts', () => {
  it('reads the address and wei of a batch item and appends previousWei', () => {
    const item = balanceItem(A, 1234567890123456789n);
    assert.equal(itemAddress(item), A);
    assert.equal(itemWei(item), '1234567890123456789');
    assert.deepEqual(JSON.parse(changeText(item, '5')), { address: A, balance: '1.234567890123456789', balanceWei: '1234567890123456789', previousWei: '5' });
  });
});

describe('upgrade checks', () => {
  it('lets no origin, a listed one and any with * through', () => {
    assert.deepEqual(
      [originAllowed('', ['https://a.example']), originAllowed('https://a.example', ['https://a.example']), originAllowed('https://b.example', ['https://a.example']), originAllowed('https://b.example', ['*']), originAllowed('https://b.example', [])],
      [true, true, false, true, true],
    );
  });

  it('takes keys from the header and the subprotocol (as sent and base64url-decoded), answering only balance-api', () => {
    const key = 'a/b+c=0123456789abcdef';
    const encoded = Buffer.from(key).toString('base64url');
    assert.deepEqual(offeredProtocols('h'.repeat(16), `balance-api, api-key.${encoded}`), { keys: ['h'.repeat(16), encoded, key], answer: 'balance-api' });
    assert.deepEqual(offeredProtocols('', 'other'), { keys: [], answer: '' });
  });
});

describe('WATCH_* config', () => {
  it('defaults and bounds', () => {
    assert.deepEqual(loadConfig({}).watch, { maxAddresses: 10_000, maxSubscriptions: 16, maxConnections: 10_000, maxBackpressureBytes: 1_048_576 });
    assert.equal(loadConfig({ WATCH_MAX_SUBSCRIPTIONS: ' 4 ' }).watch.maxSubscriptions, 4);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      assert.throws(() => loadConfig({ WATCH_MAX_ADDRESSES: bad }), (e: unknown) => e instanceof ConfigError && e.message.includes(`WATCH_MAX_ADDRESSES must be an integer from 1 to 1000000, got "${bad}"`));
    }
  });
});
