import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../testing/start-app.js';
import { DOCS_CSP, loadDocsFiles, representation } from './docs-assets.js';

describe('GET /docs over HTTP', () => {
  let app: TestApp;
  let off: TestApp;
  before(async () => {
    app = await startTestApp({ API_KEYS: 'docs:docs-route-key-0123456789' });
    off = await startTestApp({ DOCS: 'off' });
  });
  after(async () => {
    await app?.shutdown();
    await off?.shutdown();
  });

  it('serves the page without an API key, under a CSP of its own assets only, revalidated by ETag', async () => {
    const res = await fetch(`${app.baseUrl}/docs`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), DOCS_CSP);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const html = await res.text();
    assert.doesNotMatch(html, /<script>|<style|https?:\/\//);
    const again = await fetch(`${app.baseUrl}/docs`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    assert.equal(again.status, 304);
  });

  it('serves every asset the page names, by content hash, cached for a year', async () => {
    const html = await (await fetch(`${app.baseUrl}/docs`)).text();
    const names = [...html.matchAll(/(?:href|src)="(docs\/[^"]+)"/g)].map((m) => m[1]!);
    assert.equal(names.length, 5);
    for (const name of names) {
      const res = await fetch(`${app.baseUrl}/${name}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', name);
      assert.match(res.headers.get('content-type')!, /^(text\/javascript|text\/css|image\/png)/, name);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
    assert.equal((await fetch(`${app.baseUrl}/docs/swagger-ui-bundle.js`)).status, 404);
  });

  it('is 404 with DOCS=off, page and assets alike, while /problems stays', async () => {
    assert.equal((await fetch(`${off.baseUrl}/docs`)).status, 404);
    assert.equal((await fetch(`${off.baseUrl}/docs/docs.css`)).status, 404);
    assert.equal((await fetch(`${off.baseUrl}/problems/not-found`)).status, 200);
  });
});

describe('docs assets', () => {
  it('gzip a large asset on first request, off the event loop, and serve it compressed once ready', async () => {
    const files = loadDocsFiles('t');
    const bundle = [...files.assets.values()].find((a) => a.name.startsWith('swagger-ui-bundle.'))!;
    assert.equal(representation(bundle, 'gzip, br'), bundle);
    await bundle.compression;
    const zipped = representation(bundle, 'gzip, br');
    assert.notEqual(zipped, bundle);
    assert.deepEqual(gunzipSync(zipped.body), bundle.body);
    assert.ok(zipped.body.length < bundle.body.length / 2);
    assert.equal(representation(bundle, 'gzip;q=0'), bundle);
  });
});
