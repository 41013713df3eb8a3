/**
 * One synced provider flapping through every fault (5xx, reset, hang, -32005, 429, slow, garbage,
 * block not found, wrong chain, lagging, flaky) under concurrent load, with blocks being mined:
 * thousands of requests, every one a 200 with the exact balance at the block it names.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { FLAP_FAULTS, runFlapping } from '../testing/flapping.js';
import { samples } from '../testing/prometheus-text.js';
import { startRouterFixture, type RouterFixture } from '../testing/router-fixture.js';

let fx: RouterFixture;

before(async () => {
  fx = await startRouterFixture({ synced: 3, laggingBy: 5, foreignChainId: 999, env: { CHAIN_CHECK_INTERVAL_MS: '300' } });
});
after(async () => {
  await fx?.close();
});

it('serves only correct 200s while one provider flaps through every fault', async (t) => {
  const seen: string[] = [];
  const report = await runFlapping(fx, {
    provider: 'a',
    durationMs: 25_000,
    concurrency: 32,
    phaseMs: 800,
    mineEveryMs: 500,
    missShare: 0.5,
    onPhase: (name) => seen.push(name),
  });
  t.diagnostic(JSON.stringify({ ...report, problems: undefined }));
  assert.deepEqual(
    { statuses: report.statuses, wrong: report.wrong, problems: report.problems },
    { statuses: { 200: report.requests }, wrong: 0, problems: [] },
  );
  assert.ok(report.requests >= 2000, `only ${report.requests} requests`);
  assert.deepEqual(new Set(seen), new Set(FLAP_FAULTS.map((f) => f.name)), 'went through every fault');
  // A hung provider must not hold clients for its timeout: the reads it hung on were withdrawn once
  // another provider answered (hedged), not waited out. Counted from the app's own metrics, not
  // timed, so a loaded machine cannot fail it. The router may also have left `a` alone for the
  // whole hang phase (still cooling from the fault before), so no hedge at all is fine too.
  const calls = samples(await fx.app.metrics.text());
  const outcome = (o: string) => calls.get(`balance_api_upstream_calls_total{provider="a",method="eth_getBalance",outcome="${o}"}`) ?? 0;
  assert.ok(outcome('timeout') <= outcome('hedge'), `hedged ${outcome('hedge')}, timed out ${outcome('timeout')}`);
  assert.equal(fx.proxies.lag!.calls.get('eth_getBalance') ?? 0, 0, 'the lagging node was never read');
  assert.equal(fx.proxies.other!.calls.get('eth_getBalance') ?? 0, 0, 'the foreign-chain node was never read');
});
