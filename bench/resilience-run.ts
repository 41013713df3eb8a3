/**
 * Measures client latency with one provider flapping through every fault, against a healthy
 * baseline in the same run, on real anvil nodes behind fault proxies and the real app in-process.
 * Prints a Markdown table for the README's Resilience section.
 *
 *   npm run bench:resilience -- [--duration-ms 25000] [--concurrency 32]
 *
 * Load generator, app, proxies and five anvil nodes share the machine, so absolute numbers include
 * their contention; the ratio to the baseline is the comparable figure.
 */
import { parseArgs } from 'node:util';
import { runFlapping, type FlapReport } from '../src/testing/flapping.js';
import { startRouterFixture } from '../src/testing/router-fixture.js';

const { values } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '25000' },
    concurrency: { type: 'string', default: '32' },
    'phase-ms': { type: 'string', default: '800' },
    'miss-share': { type: 'string', default: '0.5' },
  },
});
const options = {
  provider: 'a',
  durationMs: Number(values['duration-ms']),
  concurrency: Number(values.concurrency),
  phaseMs: Number(values['phase-ms']),
  mineEveryMs: 500,
  missShare: Number(values['miss-share']),
};

const fx = await startRouterFixture({ synced: 3, laggingBy: 5, foreignChainId: 999, env: { CHAIN_CHECK_INTERVAL_MS: '300' } });
let baseline: FlapReport;
let flapping: FlapReport;
try {
  process.stderr.write(`baseline: ${options.durationMs} ms, ${options.concurrency} concurrent, every provider healthy\n`);
  baseline = await runFlapping(fx, { ...options, healthy: true });
  process.stderr.write(`flapping: provider "a" cycles through faults every ${options.phaseMs} ms\n`);
  flapping = await runFlapping(fx, { ...options, onPhase: (name) => process.stderr.write(`  fault: ${name}\n`) });
} finally {
  await fx.close();
}

const ms = (x: number) => x.toFixed(1);
const row = (name: string, r: FlapReport) =>
  `| ${name} | ${r.requests} | ${r.requests - (r.statuses['200'] ?? 0)} | ${r.wrong} | ${ms(r.p50Ms)} | ${ms(r.p90Ms)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} | ${Math.round(r.requestsPerSecond)} | ${(((r.upstreamReads - r.loads) / Math.max(1, r.loads)) * 100).toFixed(1)} % |`;
process.stdout.write(
  [
    `${options.concurrency} concurrent clients, ${options.durationMs / 1000} s per scenario, ${options.missShare * 100} % of requests for never-seen addresses, a block mined every ${options.mineEveryMs} ms; node ${process.version}, ${(await import('node:os')).cpus().length} cores.`,
    '',
    '| scenario | requests | non-200 | wrong balance | p50 ms | p90 ms | p99 ms | max ms | req/s | extra upstream reads |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    row('all providers healthy', baseline),
    row('provider "a" flapping', flapping),
    '',
    `p50 ratio flapping/healthy: ${(flapping.p50Ms / baseline.p50Ms).toFixed(2)}, p99 ratio: ${(flapping.p99Ms / baseline.p99Ms).toFixed(2)}`,
    `reads per provider while flapping: ${JSON.stringify(flapping.readsByProvider)}`,
    '',
  ].join('\n'),
);
