import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS, problemDetails } from '../errors.js';
import { SEED_ADDRESS, SEED_BALANCE_WEI } from '../dev/local-devnet.js';
import { openApiDocument } from './openapi.js';
import { assertValidDocument, OpenApiResponses } from '../testing/openapi-validator.js';

const doc = openApiDocument({ batchMaxAddresses: 1000, upstreamBatchMax: 100 });
const responses = new OpenApiResponses(doc);
const A = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const HASH = '0x' + 'ab'.repeat(32);

const balance = {
  address: A,
  network: 'mainnet',
  chainId: 1,
  blockTag: 'finalized',
  blockNumber: '0x10',
  blockHash: HASH,
  headBlockNumber: '0x10',
  balance: '0.0001365',
  balanceWei: '136500000000000',
  rpcLatencyMs: 1.23,
  verified: false,
};

const json = (method: string, url: string, status: number, body: unknown, contentType = 'application/json') => ({
  method,
  url,
  status,
  contentType,
  body: JSON.stringify(body),
});

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    await assertValidDocument(doc);
  });

  it('documents every error code of errors.ts on some route', () => {
    const text = JSON.stringify(doc.paths);
    // GET /watch's upgrade refusals are described with the WebSocket protocol (AsyncAPI), not here.
    const elsewhere = new Set(['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'ORIGIN_NOT_ALLOWED', 'TOO_MANY_CONNECTIONS']);
    const missing = Object.keys(ERRORS).filter((code) => !elsewhere.has(code) && !text.includes(`"${code}"`));
    assert.deepEqual(missing, []);
  });

  it('has an example for every problem it documents, each a valid answer of its route and status', () => {
    const full = openApiDocument({ batchMaxAddresses: 1000, upstreamBatchMax: 100, docs: true });
    const check = new OpenApiResponses(full);
    let examples = 0;
    for (const [path, item] of Object.entries(full.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> }>>)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          for (const [contentType, media] of Object.entries(response.content ?? {})) {
            if (contentType.includes('json')) assert.ok(media.examples !== undefined || status === '200', `${method} ${path} ${status} has no example`);
            for (const example of Object.values(media.examples ?? {})) {
              check.check(json(method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x'), Number(status), example.value, contentType));
              examples++;
            }
          }
        }
      }
    }
    assert.ok(examples > 40, `only ${examples} examples`);
  });

  it('shows the seed example address and its balance, the one npm start seeds', () => {
    const op = (doc.paths as any)['/address/balance/{address}'].get;
    assert.equal(op.parameters[0].example, SEED_ADDRESS);
    const seed = op.responses['200'].content['application/json'].examples.seed.value;
    assert.equal(seed.address, SEED_ADDRESS);
    assert.equal(seed.balanceWei, String(SEED_BALANCE_WEI));
  });

  it('names problem types relative by default and under PUBLIC_BASE_URL when set', () => {
    const types = (d: Record<string, unknown>): string[] => JSON.stringify(d).match(/"[^"]*\/problems\/[a-z-]+"/g) ?? [];
    assert.ok(types(doc).includes('"/problems/bad-checksum"'));
    const absolute = openApiDocument({ batchMaxAddresses: 10, upstreamBatchMax: 2, publicBaseUrl: 'https://balance.example.com' });
    assert.deepEqual((absolute as any).servers, [{ url: 'https://balance.example.com', description: 'PUBLIC_BASE_URL' }]);
    assert.ok(types(absolute).includes('"https://balance.example.com/problems/bad-checksum"'));
    assert.deepEqual(types(absolute).filter((t) => !t.startsWith('"https://balance.example.com/problems/')), []);
  });

  it('requires the API key on the key-checked routes only when API_KEYS is set', () => {
    const security = (d: Record<string, unknown>) =>
      Object.fromEntries(Object.values(d.paths as Record<string, Record<string, { operationId: string; security: unknown }>>).flatMap((item) => Object.values(item).map((op) => [op.operationId, op.security])));
    const open = { health: [], ready: [], metrics: [], openapi: [], asyncapi: [], listProblemTypes: [], getProblemType: [] };
    assert.deepEqual(security(doc), { ...open, getBalance: [{ ApiKey: [] }, {}], getBalances: [{ ApiKey: [] }, {}], providers: [{ ApiKey: [] }, {}] });
    const keyed = openApiDocument({ batchMaxAddresses: 10, upstreamBatchMax: 2, apiKeys: true, docs: true });
    assert.deepEqual(security(keyed), { ...open, docs: [], getBalance: [{ ApiKey: [] }], getBalances: [{ ApiKey: [] }], providers: [{ ApiKey: [] }] });
  });

  it('says how many addresses a batch takes', () => {
    const small = openApiDocument({ batchMaxAddresses: 5, upstreamBatchMax: 2 }) as { components: { schemas: { BalancesRequest: { properties: { addresses: { maxItems: number } } } } } };
    assert.equal(small.components.schemas.BalancesRequest.properties.addresses.maxItems, 5);
  });
});

describe('OpenApiResponses.check', () => {
  it('accepts a documented balance', () => {
    responses.check(json('GET', `/address/balance/${A}?blockTag=finalized`, 200, balance));
  });

  it('accepts a documented batch answer', () => {
    const { address: _a, balance: b, balanceWei, verified: _v, ...rest } = balance;
    responses.check(json('POST', '/address/balances', 200, { ...rest, balances: [{ address: A, balance: b, balanceWei }] }));
  });

  it('accepts each problem at the status errors.ts gives it', () => {
    responses.check(json('GET', `/address/balance/${A}`, 400, problemDetails('INVALID_BLOCK_TAG', 'bad'), 'application/problem+json; charset=utf-8'));
    responses.check(json('POST', '/address/balances', 415, problemDetails('UNSUPPORTED_MEDIA_TYPE', 'json only'), 'application/problem+json'));
    responses.check(
      json('POST', '/address/balances', 400, problemDetails('INVALID_ADDRESSES', 'bad', undefined, { errors: [{ index: 1, code: 'BAD_CHECKSUM', checksummed: A }] }), 'application/problem+json'),
    );
    responses.check(json('GET', '/address/balances', 405, problemDetails('METHOD_NOT_ALLOWED', 'use POST'), 'application/problem+json'));
    responses.check(json('GET', '/nope', 404, problemDetails('NOT_FOUND', 'no'), 'application/problem+json'));
  });

  const refusals: [string, ReturnType<typeof json>, RegExp][] = [
    ['a balance without blockHash', json('GET', `/address/balance/${A}`, 200, { ...balance, blockHash: undefined }), /blockHash/],
    ['a balance with an extra member', json('GET', `/address/balance/${A}`, 200, { ...balance, extra: 1 }), /additionalProperties/],
    ['a balance with an upper-case blockTag hash', json('GET', `/address/balance/${A}`, 200, { ...balance, blockTag: HASH.toUpperCase() }), /pattern/],
    ['an undocumented status', json('GET', '/healthz', 418, {}), /status not documented/],
    ['a code at the wrong status', json('GET', `/address/balance/${A}`, 404, problemDetails('INVALID_BLOCK_TAG', 'x'), 'application/problem+json'), /enum|const/],
    ['a batch error on the single route', json('GET', `/address/balance/${A}`, 400, problemDetails('INVALID_BODY', 'x'), 'application/problem+json'), /enum/],
    ['the wrong content type', json('GET', '/healthz', 200, { status: 'ok' }, 'text/plain'), /content type/],
    ['200 for a method the path does not take', json('DELETE', '/address/balances', 200, {}), /405/],
  ];
  for (const [name, received, error] of refusals) {
    it(`refuses ${name}`, () => assert.throws(() => responses.check(received), error));
  }
});
