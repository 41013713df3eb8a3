import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { balanceItem } from '../codec/balances.js';
import { loadConfig } from '../config/config.js';
import { asyncApiFindings, assertWatchMessage, validateWatchMessage, type WatchOp } from '../testing/asyncapi-validator.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import { asyncApiDocument, WATCH_EXAMPLES } from './asyncapi.js';
import { ackText, blockText, changeText, CLIENT_OPS, CLOSE, errorText, parseClientMessage, SERVER_OPS, snapshotText, WATCH_ERROR_CODES } from './messages.js';

const A = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const B = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const HASH = '0x' + 'ab'.repeat(32);
const PREVIOUS = '0x' + 'cd'.repeat(32);
const AT = { id: 's1', network: 'mainnet', chainId: 1, blockNumber: '0x10', blockHash: HASH };

describe('GET /asyncapi.json', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ WATCH_MAX_ADDRESSES: '500', WATCH_MAX_SUBSCRIPTIONS: '4' });
  });
  after(() => app.shutdown());

  it('serves the document of the configured limits as JSON, with no error or warning from @asyncapi/parser', async () => {
    const res = await fetch(`${app.baseUrl}/asyncapi.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = await res.text();
    const config = loadConfig({ WATCH_MAX_ADDRESSES: '500', WATCH_MAX_SUBSCRIPTIONS: '4' });
    assert.deepEqual(JSON.parse(text), asyncApiDocument({ ...config.watch, apiKeys: false, publicBaseUrl: undefined }));
    assert.deepEqual(await asyncApiFindings(text), []);
    assert.match(text, /500 addresses per connection/);
  });

  it('answers another method with a 405 naming GET', async () => {
    const res = await fetch(`${app.baseUrl}/asyncapi.json`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
    assert.equal(((await res.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
  });
});

describe('the AsyncAPI document', () => {
  const doc = asyncApiDocument({ maxAddresses: 10_000, maxSubscriptions: 16, apiKeys: true, publicBaseUrl: 'https://balances.example.com' });

  it('is a valid AsyncAPI 3.0.0 document with API keys and a public base URL', async () => {
    assert.equal(doc.asyncapi, '3.0.0');
    assert.deepEqual(await asyncApiFindings(doc), []);
    assert.deepEqual(doc.servers, {
      service: { host: 'balances.example.com', protocol: 'wss', description: 'PUBLIC_BASE_URL', security: [{ $ref: '#/components/securitySchemes/apiKey' }] },
    });
  });

  it('refuses a broken document (the check can fail)', async () => {
    const broken = structuredClone(doc) as { operations: Record<string, { channel: unknown }> };
    broken.operations.subscribe!.channel = { $ref: '#/channels/nowhere' };
    const findings = await asyncApiFindings(broken);
    assert.ok(findings.some((f) => f.severity === 'error'), JSON.stringify(findings));
  });

  it('has one message per op, client and server, each operation on GET /watch', () => {
    const channel = (doc.channels as Record<string, { address: string; messages: Record<string, unknown> }>).watch!;
    assert.equal(channel.address, '/watch');
    assert.deepEqual(Object.keys(channel.messages).sort(), [...CLIENT_OPS, ...SERVER_OPS].sort());
    const operations = doc.operations as Record<string, { action: string; reply?: { messages: { $ref: string }[] } }>;
    for (const op of CLIENT_OPS) assert.equal(operations[op]!.action, 'receive', op);
    assert.deepEqual(
      operations.subscribe!.reply!.messages.map((m) => m.$ref),
      ['#/channels/watch/messages/subscribed', '#/channels/watch/messages/error'],
    );
    assert.equal(operations.block!.action, 'send');
  });

  it('names every error code, close code and upgrade refusal', () => {
    const text = JSON.stringify(doc);
    const payloads = (doc.components as { messages: Record<string, { payload: { properties: { code: { enum: string[] } } } }> }).messages;
    assert.deepEqual(payloads.error!.payload.properties.code.enum, [...WATCH_ERROR_CODES]);
    for (const code of WATCH_ERROR_CODES) assert.match(text, new RegExp(`\`${code}\``), code);
    for (const close of Object.values(CLOSE)) assert.match(text, new RegExp(`${close}: `), String(close));
    for (const refusal of ['401 UNAUTHORIZED', '403 ORIGIN_NOT_ALLOWED', '503 TOO_MANY_CONNECTIONS', 'x-api-key', 'api-key.<key>']) assert.ok(text.includes(refusal), refusal);
  });
});

describe('watch messages against the AsyncAPI schemas', () => {
  it('accepts every example of the document', () => {
    for (const [op, example] of Object.entries(WATCH_EXAMPLES)) assert.deepEqual(validateWatchMessage(op as WatchOp, example), [], op);
  });

  it('accepts what messages.ts builds for each server op', () => {
    const items = [balanceItem(A, 136_500_000_000_000n), balanceItem(B, 0n)];
    const built = [
      snapshotText('subscribed', { ...AT, blockTag: 'latest' }, items),
      snapshotText('added', { ...AT, blockTag: 'finalized' }, items.slice(1)),
      snapshotText('subscribed', { ...AT, blockTag: 'safe' }, []),
      blockText({ ...AT, previousBlockHash: PREVIOUS, reorg: true }, [changeText(items[0]!, '1')]),
      blockText({ ...AT, previousBlockHash: PREVIOUS, reorg: false }, []),
      ackText('removed', 's1'),
      ackText('unsubscribed', 'a.b:c-d_9'),
      errorText({ code: 'INVALID_MESSAGE', detail: 'a message is one JSON object' }),
      errorText({ id: 's1', code: 'INVALID_ADDRESSES', detail: 'bad', extra: { errors: [{ index: 0, code: 'BAD_CHECKSUM', checksummed: A }] } }),
      errorText({ id: 's1', code: 'RATE_LIMITED', detail: 'slow down', extra: { retryAfterSeconds: 1 } }),
      errorText({ id: 's1', code: 'UPSTREAM_UNAVAILABLE', detail: 'down', extra: { providers: [{ name: 'p0', kind: 'timeout', error: 'timed out' }] } }),
    ];
    for (const text of built) assert.doesNotThrow(() => assertWatchMessage(text), text);
  });

  it('accepts the client examples that the server parses, and the server parses them', () => {
    for (const op of CLIENT_OPS) {
      const parsed = parseClientMessage(JSON.stringify(WATCH_EXAMPLES[op]), 10_000);
      assert.equal('ok' in parsed, false, op);
    }
  });

  const block = { op: 'block', ...AT, previousBlockHash: PREVIOUS, reorg: false, changes: [{ address: A, balance: '0.1', balanceWei: '100000000000000000', previousWei: '0' }] };
  const subscribed = { op: 'subscribed', ...AT, blockTag: 'latest', balances: [{ address: A, balance: '0.1', balanceWei: '100000000000000000' }] };
  const refused: [string, WatchOp, unknown][] = [
    ['blockNumber as a number', 'block', { ...block, blockNumber: 16 }],
    ['blockNumber as decimal text', 'block', { ...block, blockNumber: '16' }],
    ['chainId as a string', 'block', { ...block, chainId: '1' }],
    ['reorg as a string', 'block', { ...block, reorg: 'false' }],
    ['a change without previousWei', 'block', { ...block, changes: [{ address: A, balance: '0.1', balanceWei: '1' }] }],
    ['previousWei as a number', 'block', { ...block, changes: [{ ...block.changes[0], previousWei: 0 }] }],
    ['balanceWei in hex', 'subscribed', { ...subscribed, balances: [{ address: A, balance: '0.1', balanceWei: '0x1' }] }],
    ['balance as a number', 'subscribed', { ...subscribed, balances: [{ address: A, balance: 0.1, balanceWei: '1' }] }],
    ['an unknown blockTag', 'subscribed', { ...subscribed, blockTag: 'pending' }],
    ['no blockHash', 'subscribed', { ...subscribed, blockHash: undefined }],
    ['a member the protocol lacks', 'subscribed', { ...subscribed, headBlockNumber: '0x10' }],
    ['the wrong op', 'subscribed', { ...subscribed, op: 'added' }],
    ['an error code of no kind', 'error', { op: 'error', code: 'NOPE', detail: 'x' }],
    ['an error without detail', 'error', { op: 'error', code: 'INVALID_MESSAGE' }],
    ['an id with a space', 'removed', { op: 'removed', id: 's 1' }],
    ['an id of 65 characters', 'unsubscribed', { op: 'unsubscribed', id: 'x'.repeat(65) }],
    ['subscribe without addresses', 'subscribe', { op: 'subscribe', id: 's1' }],
    ['subscribe with an empty list', 'subscribe', { op: 'subscribe', id: 's1', addresses: [] }],
    ['subscribe with network as a boolean', 'subscribe', { op: 'subscribe', id: 's1', addresses: [A], network: true }],
    ['add with one address as a string', 'add', { op: 'add', id: 's1', addresses: A }],
  ];
  for (const [name, op, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.notDeepEqual(validateWatchMessage(op, JSON.parse(JSON.stringify(message))), []);
    });
  }

  it('refuses, in the server too, the ill-typed client messages', () => {
    for (const [name, op, message] of refused.filter(([, op]) => (CLIENT_OPS as readonly string[]).includes(op))) {
      const parsed = parseClientMessage(JSON.stringify(message), 10_000);
      assert.ok('ok' in parsed, `${op}: ${name}`);
    }
  });

  it('names an unknown op', () => {
    assert.deepEqual(validateWatchMessage('nope' as WatchOp, {}), ['no message "nope" in the AsyncAPI document']);
  });
});
