import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRORS, problemSlug, type ErrorCode } from '../errors.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import { PROBLEM_PAGE_CSP } from './problem-pages.js';
import { PROBLEM_GUIDES } from './problem-types.js';
import { OpenApiResponses } from '../testing/openapi-validator.js';

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const CODES = Object.keys(ERRORS) as ErrorCode[];

/** Real error answers of a running service: [what, fetch arguments]. */
const FAILURES: [string, string, RequestInit?][] = [
  ['bad checksum', `/address/balance/0xc94770007dDa54cF92009BFF0dE90c06F603a09f`],
  ['not checksummed', `/address/balance/${SEED.toLowerCase()}`],
  ['invalid address', '/address/balance/0x1234'],
  ['invalid block tag', `/address/balance/${SEED}?blockTag=pending`],
  ['block above the head', `/address/balance/${SEED}?blockTag=99999999`],
  ['bad verify', `/address/balance/${SEED}?verify=yes`],
  ['unknown route', '/nope'],
  ['unknown problem type', '/problems/no-such-thing'],
  ['wrong method', '/address/balances'],
  ['URL too long', `/address/balance/${SEED}?blockTag=${'1'.repeat(3000)}`],
  ['not JSON', '/address/balances', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }],
  ['text body', '/address/balances', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }],
  ['a bad address in a batch', '/address/balances', { method: 'POST', body: JSON.stringify({ addresses: [SEED, '0x1'] }), headers: { 'content-type': 'application/json' } }],
  ['too many addresses', '/address/balances', { method: 'POST', body: JSON.stringify({ addresses: Array(3).fill(SEED) }), headers: { 'content-type': 'application/json' } }],
];

describe('problem types', () => {
  let app: TestApp;
  let doc: Record<string, unknown>;
  before(async () => {
    app = await startTestApp({ BATCH_MAX_ADDRESSES: '2' });
    doc = await fetch(`${app.baseUrl}/openapi.json`).then((r) => r.json() as Promise<Record<string, unknown>>);
  });
  after(async () => {
    await app?.shutdown();
  });

  it('answers every code of the error table as JSON: code, status, title, when it happens, what to do', async () => {
    for (const code of CODES) {
      const res = await fetch(`${app.baseUrl}/problems/${problemSlug(code)}`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 200, code);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.deepEqual(await res.json(), {
        type: `/problems/${problemSlug(code)}`,
        code,
        status: ERRORS[code].status,
        title: ERRORS[code].title,
        when: PROBLEM_GUIDES[code].when,
        action: PROBLEM_GUIDES[code].action,
      });
    }
  });

  it('answers every code as a short page under a CSP that allows nothing but its own style', async () => {
    for (const code of CODES) {
      const res = await fetch(`${app.baseUrl}/problems/${problemSlug(code)}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      assert.equal(res.status, 200, code);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('content-security-policy'), PROBLEM_PAGE_CSP);
      assert.equal(res.headers.get('vary'), 'accept');
      const html = await res.text();
      assert.match(html, new RegExp(`<h1>${ERRORS[code].title.replaceAll("'", '&#39;')}</h1>`));
      assert.ok(html.includes(`Code <code>${code}</code>, HTTP status ${ERRORS[code].status}`), code);
    }
  });

  it('lists every type at /problems', async () => {
    const res = await fetch(`${app.baseUrl}/problems`, { headers: { accept: 'application/json' } });
    const body = (await res.json()) as { problems: { code: string }[] };
    assert.deepEqual(body.problems.map((p) => p.code), CODES);
  });

  it('revalidates with the ETag: 304 without a body', async () => {
    const first = await fetch(`${app.baseUrl}/problems/bad-checksum`);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]{16}"$/);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=3600');
    const again = await fetch(`${app.baseUrl}/problems/bad-checksum`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
  });

  it('every problem type of the real error answers resolves to 200, and each answer is the documented one', async () => {
    const responses = new OpenApiResponses(doc);
    const seen = new Map<string, string>();
    for (const [what, path, init] of FAILURES) {
      const res = await fetch(app.baseUrl + path, init);
      const text = await res.text();
      assert.equal(res.headers.get('content-type'), 'application/problem+json', what);
      responses.check({ method: init?.method ?? 'GET', url: path, status: res.status, contentType: res.headers.get('content-type') ?? undefined, body: text });
      const { type, code } = JSON.parse(text) as { type: string; code: string };
      assert.equal(type, `/problems/${problemSlug(code as ErrorCode)}`, what);
      seen.set(type, what);
    }
    assert.ok(seen.size >= 12, `only ${seen.size} distinct types`);
    for (const [type, what] of seen) {
      const res = await fetch(new URL(type, app.baseUrl));
      assert.equal(res.status, 200, `${type} (from ${what})`);
    }
  });

  it('every type the document names resolves to 200: every code but the 405 of methods a path does not take', async () => {
    const types = new Set(JSON.stringify(doc).match(/\/problems\/[a-z-]+(?=")/g));
    // The GET /watch upgrade's refusals belong to the AsyncAPI document, not this one.
    assert.deepEqual(CODES.filter((c) => !types.has(`/problems/${problemSlug(c)}`)), ['ORIGIN_NOT_ALLOWED', 'METHOD_NOT_ALLOWED', 'TOO_MANY_CONNECTIONS']);
    for (const type of types) assert.equal((await fetch(app.baseUrl + type)).status, 200, type);
  });
});

describe('problem types under PUBLIC_BASE_URL', () => {
  it('are absolute under it, resolve at the service, and go back to relative for a service without it', async () => {
    const app = await startTestApp({ PUBLIC_BASE_URL: 'https://balance.example.com/' });
    try {
      const res = await fetch(`${app.baseUrl}/address/balance/0xc94770007dDa54cF92009BFF0dE90c06F603a09f`);
      const body = (await res.json()) as { type: string };
      assert.equal(body.type, 'https://balance.example.com/problems/bad-checksum');
      const page = await fetch(app.baseUrl + new URL(body.type).pathname, { headers: { accept: 'application/json' } });
      assert.equal(((await page.json()) as { type: string }).type, 'https://balance.example.com/problems/bad-checksum');
      const doc = (await fetch(`${app.baseUrl}/openapi.json`).then((r) => r.json())) as { servers: unknown };
      assert.deepEqual(doc.servers, [{ url: 'https://balance.example.com', description: 'PUBLIC_BASE_URL' }]);
    } finally {
      await app.shutdown();
    }
    const plain = await startTestApp({});
    try {
      const body = (await (await fetch(`${plain.baseUrl}/nope`)).json()) as { type: string };
      assert.equal(body.type, '/problems/not-found');
    } finally {
      await plain.shutdown();
    }
  });
});
