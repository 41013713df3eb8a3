import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { SEED_ADDRESS } from '../dev/local-devnet.js';
import { browserAvailable, launchBrowser } from '../testing/browser.js';
import { startTestApp, type TestApp } from '../testing/start-app.js';

const KEY = 'docs-test-key-0123456789';
/** Written only with UPDATE_SCREENSHOT=1, so CI never dirties the tree. */
const SCREENSHOT = new URL('../../docs/api-reference.png', import.meta.url);

interface Watched {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
}

/** A page that records console errors, page errors and every request it makes (blocking any to another origin). */
async function watchedPage(context: BrowserContext, origin: string): Promise<Watched> {
  const errors: string[] = [];
  const requests: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    return new URL(url).origin === origin ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors, requests };
}

/** `body` on a watched page of `origin`, in a browser of its own that is closed afterwards. */
async function withPage(origin: string, body: (watched: Watched) => Promise<void>): Promise<void> {
  const browser = await launchBrowser();
  try {
    await body(await watchedPage(browser.context, origin));
  } finally {
    await browser.close();
  }
}

async function tryIt(page: Page, operation: string): Promise<{ status: string; body: string }> {
  const block = `#operations-balances-${operation}`;
  if (!(await page.isVisible(`${block} .try-out__btn`))) await page.click(`${block} .opblock-summary`);
  if ((await page.textContent(`${block} .try-out__btn`))?.trim() === 'Try it out') await page.click(`${block} .try-out__btn`);
  // A response shown from an earlier run goes first, so the one awaited is this run's.
  if (await page.isVisible(`${block} .btn-clear`)) await page.click(`${block} .btn-clear`);
  await page.click(`${block} .execute`);
  const row = `${block} .live-responses-table tr.response`;
  const status = await page.waitForSelector(`${row} .response-col_status`);
  return { status: (await status.textContent())!.trim(), body: (await page.textContent(`${row} .response-col_description pre.microlight`))! };
}

describe('/docs in a real browser', () => {
  let app: TestApp;
  let keyed: TestApp;
  before(async () => {
    app = await startTestApp({});
    keyed = await startTestApp({ API_KEYS: `docs:${KEY}` });
  });
  after(async () => {
    await app?.shutdown();
    await keyed?.shutdown();
  });

  it('shows every route of the document, runs the seed example with try-it, with no console error and nothing fetched elsewhere', async (t) => {
    if (!browserAvailable(t)) return;
    await withPage(app.baseUrl, async ({ page, errors, requests }) => {
      const doc = (await (await fetch(`${app.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };
      await page.goto(`${app.baseUrl}/docs`);
      await page.waitForSelector('.opblock');
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const block = `#operations-${op.tags[0]}-${op.operationId}`;
          assert.equal(await page.getAttribute(`${block} .opblock-summary-path`, 'data-path'), path, block);
          assert.equal((await page.textContent(`${block} .opblock-summary-method`))?.toLowerCase(), method, block);
        }
      }
      const shown = await page.$$eval('.opblock', (els) => els.length);
      assert.equal(shown, Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0));

      const ran = await tryIt(page, 'getBalance');
      assert.equal(ran.status, '200');
      const direct = await app.get(`/address/balance/${SEED_ADDRESS}?blockTag=latest`);
      assert.equal(direct.status, 200);
      assert.deepEqual(JSON.parse(ran.body), direct.body);
      assert.equal((direct.body as { balance: string }).balance, '0.0001365');

      if (process.env.UPDATE_SCREENSHOT === '1') {
        await page.click('#operations-balances-getBalance .opblock-summary');
        await page.mouse.wheel(0, -100_000);
        await page.screenshot({ path: SCREENSHOT.pathname });
      }
      assert.deepEqual(errors, []);
      const elsewhere = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== app.baseUrl);
      assert.deepEqual(elsewhere, []);
      assert.ok(requests.includes(`${app.baseUrl}/openapi.json`));
    });
  });

  it('runs a batch with try-it (POST, the example body)', async (t) => {
    if (!browserAvailable(t)) return;
    await withPage(app.baseUrl, async ({ page, errors }) => {
      await page.goto(`${app.baseUrl}/docs`);
      await page.waitForSelector('#operations-balances-getBalances');
      const ran = await tryIt(page, 'getBalances');
      assert.equal(ran.status, '200');
      const body = JSON.parse(ran.body) as { balances: unknown[] };
      assert.deepEqual(body.balances, [
        { address: SEED_ADDRESS, balance: '0.0001365', balanceWei: '136500000000000' },
        { address: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', balance: '0.0', balanceWei: '0' },
      ]);
      assert.deepEqual(errors, []);
    });
  });

  it('with API_KEYS: the page is public, try-it answers 401 until the key is given in the Authorize box', async (t) => {
    if (!browserAvailable(t)) return;
    await withPage(keyed.baseUrl, async ({ page }) => {
      const res = await page.goto(`${keyed.baseUrl}/docs`);
      assert.equal(res?.status(), 200);
      await page.waitForSelector('#operations-balances-getBalance');
      assert.equal((await tryIt(page, 'getBalance')).status, '401');
      await page.click('.auth-wrapper .authorize');
      await page.fill('.auth-container input[type=text], .auth-container input[type=password]', KEY);
      await page.click('.auth-container .modal-btn.authorize');
      await page.click('.auth-btn-wrapper .btn-done');
      const ran = await tryIt(page, 'getBalance');
      assert.equal(ran.status, '200');
      assert.equal((JSON.parse(ran.body) as { address: string }).address, SEED_ADDRESS);
    });
  });
});
