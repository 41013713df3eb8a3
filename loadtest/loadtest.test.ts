import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../src/testing/start-app.ts';
import { levelAt, runScenario, totalSeconds } from './local/run.ts';
import { coldAddress, durationSeconds, parseThreshold, requestPath, SCENARIOS, thresholdHolds } from './scenarios.ts';

const tsc = (project: string) => spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { encoding: 'utf8' });

describe('k6 scripts', () => {
  it('type-check against @types/k6', () => {
    const result = tsc('loadtest/tsconfig.json');
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('and the local harness type-checks against Node', () => {
    const result = tsc('loadtest/tsconfig.node.json');
    assert.equal(result.status, 0, result.stdout + result.stderr);
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
  let app: TestApp;
  before(async () => {
    app = await startTestApp({});
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

  it('runs an arrival-rate scenario', async () => {
    const result = await runScenario(SCENARIOS.mixed, { baseUrl: app.baseUrl, timeScale: 0.01, loadScale: 0.2 });
    assert.ok(result.requests > 0);
    assert.equal(result.failed, 0);
  });
});
