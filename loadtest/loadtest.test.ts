import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { levelAt, runScenario, startLocalService, totalSeconds } from './local/run.ts';
import { runWatchScenario } from './local/watch-run.ts';
import { coldAddress, durationSeconds, HOT_ADDRESS, iterationRequest, parseThreshold, requestPath, SCENARIOS, thresholdHolds } from './scenarios.ts';
import { WATCH_SCENARIO, watchMessageProblem, WatchSession, watchSubscribe } from './watch-scenario.ts';

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
    const own = ['watch-scenario'];
    assert.deepEqual(scripts.map((f) => f.replace(/\.ts$/, '')).filter((f) => !own.includes(f)).sort(), [...Object.keys(SCENARIOS), 'watch'].sort());
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

// src/ is type-checked by the root project, not here: its helpers are loaded by path.
interface Validator {
  validateWatchMessage(op: string, message: unknown): string[];
}
interface Rig {
  readonly app: { readonly baseUrl: string };
  readonly node: { rpc(method: string, params?: unknown[]): Promise<unknown> };
  change<T>(work: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}
const load = <T>(module: string) => import(module) as Promise<T>;

describe('watch scenario', () => {
  const A = HOT_ADDRESS;
  const HASH = '0x' + 'ab'.repeat(32);
  const at = { id: 's1', network: 'mainnet', chainId: 1, blockNumber: '0x10', blockHash: HASH };
  const block = { op: 'block', ...at, previousBlockHash: '0x' + 'cd'.repeat(32), reorg: false, changes: [{ address: A, balance: '0.1', balanceWei: '100000000000000000', previousWei: '0' }] };
  const subscribed = { op: 'subscribed', ...at, blockTag: 'latest', balances: [{ address: A, balance: '0.1', balanceWei: '100000000000000000' }] };
  const samples: [string, Record<string, unknown>][] = [
    ['a snapshot', subscribed],
    ['a block', block],
    ['a heartbeat', { ...block, changes: [] }],
    ['blockNumber as a number', { ...block, blockNumber: 16 }],
    ['chainId as a string', { ...subscribed, chainId: '1' }],
    ['reorg as a string', { ...block, reorg: 'true' }],
    ['balanceWei in hex', { ...subscribed, balances: [{ address: A, balance: '0.1', balanceWei: '0x1' }] }],
    ['a change without previousWei', { ...block, changes: [{ address: A, balance: '0.1', balanceWei: '1' }] }],
    ['no blockHash', { ...block, blockHash: undefined }],
  ];

  it('judges messages as the AsyncAPI schemas do (its light copy for k6)', async () => {
    const { validateWatchMessage } = await load<Validator>('../src/testing/asyncapi-validator.ts');
    for (const [name, m] of samples) {
      const message = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
      assert.equal(watchMessageProblem(message, 's1') === undefined, validateWatchMessage(String(message.op), message).length === 0, name);
    }
  });

  it('subscribes each VU to the hot address and cold ones of its own, and follows the chain of blocks', () => {
    const m = watchSubscribe(WATCH_SCENARIO, 1, 7, 2);
    assert.equal(m.id, 'vu7.2');
    assert.equal(new Set(m.addresses).size, WATCH_SCENARIO.addressesPerVu);
    assert.equal(m.addresses[0], HOT_ADDRESS);
    assert.notDeepEqual(watchSubscribe(WATCH_SCENARIO, 1, 8, 2).addresses, m.addresses);
    const session = new WatchSession('s1', 1);
    assert.deepEqual(session.received(JSON.stringify(subscribed), 1), { bad: false, snapshot: true });
    assert.deepEqual(session.received(JSON.stringify(block), 2), { bad: false, broken: true });
    assert.deepEqual(session.received(JSON.stringify({ ...block, previousBlockHash: HASH, blockHash: '0x' + 'ef'.repeat(32) }), 3), { bad: false, broken: false });
    assert.deepEqual(session.received(JSON.stringify({ ...block, previousBlockHash: '0x' + 'ef'.repeat(32) }), 4), { bad: false, broken: false });
    assert.deepEqual(session.received('not json', 5), { bad: true });
  });

  it('runs against the service on anvil with blocks mined meanwhile: every message well-formed, every block continuous', async () => {
    const { startWatchRig } = await load<{ startWatchRig(): Promise<Rig> }>('../src/testing/watch-rig.ts');
    const rig = await startWatchRig();
    let mining = true;
    const miner = (async () => {
      while (mining) {
        await rig.change(() => rig.node.rpc('evm_mine'));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const result = await runWatchScenario(WATCH_SCENARIO, { baseUrl: rig.app.baseUrl, timeScale: 0.04, loadScale: 0.05 });
      assert.ok(result.sessions >= 10, `${result.sessions} sessions`);
      assert.ok(result.blocks > 0, 'block messages arrived');
      const observed = Object.fromEntries(result.thresholds.map((t) => [`${t.metric} ${t.rule}`, t.observed]));
      assert.deepEqual(
        [observed['watch_bad_messages rate<0.001'], observed['watch_broken_chain rate<0.001'], observed['watch_failed_sessions rate<0.01']],
        [0, 0, 0],
      );
      assert.deepEqual(Object.keys(observed), ['watch_snapshot_ms p(95)<500', 'watch_snapshot_ms p(99)<1000', 'watch_bad_messages rate<0.001', 'watch_broken_chain rate<0.001', 'watch_failed_sessions rate<0.01']);
    } finally {
      mining = false;
      await miner;
      await rig.stop();
    }
  });
});
