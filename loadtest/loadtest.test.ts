import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { levelAt, runScenario, startLocalService, totalSeconds } from './local/run.ts';
import { coldAddress, durationSeconds, HOT_ADDRESS, iterationRequest, parseThreshold, requestPath, SCENARIOS, thresholdHolds } from './scenarios.ts';

// Both projects compile in parallel from the start; the tests below await their outcome.
const tsc = (project: string) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: stdout + stderr }),
    );
  });
const k6Check = tsc('loadtest/tsconfig.json');
const nodeCheck = tsc('loadtest/tsconfig.node.json');

describe('k6 scripts', () => {
  it('type-check against @types/k6', async () => {
    const result = await k6Check;
    assert.equal(result.code, 0, result.output);
  });

  it('and the local harness type-checks against Node', async () => {
    const result = await nodeCheck;
    assert.equal(result.code, 0, result.output);
  });

  it('exist for every scenario, each with its own script', () => {
    const scripts = readdirSync('loadtest').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'scenarios.ts');
    assert.deepEqual(scripts.map((f) => f.replace(/\.ts$/, '')).sort(), Object.keys(SCENARIOS).sort());
  });
});

describe('scenarios', () => {
  for (const s of Object.values(SCENARIOS)) {
    it(`${s.name}: has p95, p99 and error-rate thresholds k6 can parse`, () => {
      const rules = [...s.thresholds.http_req_duration, ...s.thresholds.http_req_failed].map(parseThreshold);
      assert.deepEqual(rules.map((r) => r.stat).sort(), ['p95', 'p99', 'rate']);
      const rate = rules.find((r) => r.stat === 'rate')!;
      assert.ok(rate.op === '<' && rate.value <= 0.001);
      assert.ok(totalSeconds(s.executor) > 0);
    });
  }

  it('parses k6 durations', () => {
    assert.deepEqual(['30s', '2m', '1h', '1m30s', '250ms'].map(durationSeconds), [30, 120, 3600, 90, 0.25]);
    assert.throws(() => durationSeconds('soon'));
  });

  it('judges thresholds as k6 does', () => {
    assert.equal(thresholdHolds(parseThreshold('p(95)<10'), 9.9), true);
    assert.equal(thresholdHolds(parseThreshold('p(95)<10'), 10), false);
    assert.equal(thresholdHolds(parseThreshold('rate<0.001'), 0.0005), true);
    assert.throws(() => parseThreshold('p95 < 10'));
  });

  it('asks for cold addresses that are strict-EIP-55 valid and never repeat', () => {
    const a = coldAddress(1_700_000_000, 3, 41);
    assert.match(a, /^0x[0-9]{40}$/);
    assert.notEqual(coldAddress(1_700_000_000, 3, 42), a);
    assert.notEqual(coldAddress(1_700_000_000, 4, 41), a);
    assert.equal(requestPath(SCENARIOS['hot-address'], 1, 1, 1, 0.99).kind, 'hot');
    assert.equal(requestPath(SCENARIOS['cold-addresses'], 1, 1, 1, 0).kind, 'cold');
  });

  it('sends the batch scenario as one POST of distinct cold and the hot address', () => {
    let n = 0;
    const alternate = () => (n++ % 2 === 0 ? 0 : 0.99);
    const r = iterationRequest(SCENARIOS.batch, 1, 2, 3, alternate);
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/address/balances');
    const { addresses } = JSON.parse(r.body!) as { addresses: string[] };
    assert.equal(addresses.length, 100);
    assert.equal(addresses.filter((a) => a === HOT_ADDRESS).length, 50);
    assert.equal(new Set(addresses.filter((a) => a !== HOT_ADDRESS)).size, 50);
    assert.deepEqual(iterationRequest(SCENARIOS.smoke, 1, 1, 1, () => 0).method, 'GET');
  });

  it('ramps arrival rates linearly through the stages', () => {
    const spike = SCENARIOS.spike.executor;
    assert.equal(levelAt(spike, 5), 100);
    assert.equal(levelAt(spike, 15), 2550);
    assert.equal(levelAt(spike, 40), 5000);
    assert.equal(levelAt(spike, 0.5, 0.1), 100);
    assert.equal(totalSeconds(spike, 0.1), 8);
  });
});

describe('local harness', () => {
  let app: Awaited<ReturnType<typeof startLocalService>>;
  before(async () => {
    app = await startLocalService();
  });
  after(() => app.shutdown());

  it('runs the smoke scenario against the service and judges its thresholds', async () => {
    const result = await runScenario(SCENARIOS.smoke, { baseUrl: app.baseUrl, timeScale: 0.05 });
    assert.ok(result.requests > 0);
    assert.ok(result.byKind.hot > 0 && result.byKind.cold > 0);
    assert.equal(result.failed, 0);
    assert.deepEqual(
      result.thresholds.map((t) => `${t.metric} ${t.rule}`),
      ['http_req_duration p(95)<100', 'http_req_duration p(99)<250', 'http_req_failed rate<0.001'],
    );
  });

  it('runs the batch scenario: POST /address/balances with hot and cold addresses', async () => {
    const result = await runScenario(SCENARIOS.batch, { baseUrl: app.baseUrl, timeScale: 0.02, loadScale: 0.2 });
    assert.ok(result.requests > 0);
    assert.equal(result.byKind.batch, result.requests);
    assert.equal(result.failed, 0);
  });

  it('runs an arrival-rate scenario', async () => {
    const result = await runScenario(SCENARIOS.mixed, { baseUrl: app.baseUrl, timeScale: 0.01, loadScale: 0.2 });
    assert.ok(result.requests > 0);
    assert.equal(result.failed, 0);
  });
});
