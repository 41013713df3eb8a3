/**
 * What retry with backoff recovers: one provider failing 10 % and 30 % of its requests at random
 * (half connection resets, half HTTP 500, seeded), 300 cold GETs at concurrency 10 per run, with
 * RETRY_MAX_ROUNDS 0 (failover only), 2 (the default) and 3, over several seeds. Prints a Markdown
 * table of 200 shares for bench/README.md.
 *
 *   npm run bench:retry -- [--seeds 1,2,3] [--requests 300] [--concurrency 10]
 *
 * UPSTREAM_BATCH_MAX=1 keeps one call per upstream request, so each attempt meets its own draw.
 */
import { runRandomFailures } from '../src/testing/random-failures.js';
import { benchFlags } from './flags.js';

const values = benchFlags({ seeds: '1,2,3', requests: 300, concurrency: 10, rounds: '0,2,3' });
const seeds = values.seeds.split(',').map(Number);
const { requests, concurrency } = values;

const lines = [
  `One provider, ${requests} cold GETs at concurrency ${concurrency} per run, seeds ${seeds.join(', ')}; node ${process.version}.`,
  '',
  '| failure rate | RETRY_MAX_ROUNDS | 200 share per seed | mean | upstream calls per request | budget refusals |',
  '|---:|---:|---|---:|---:|---:|',
];
for (const rate of [0.1, 0.3]) {
  for (const rounds of values.rounds.split(',')) {
    const oks: number[] = [];
    let calls = 0;
    let refused = 0;
    for (const seed of seeds) {
      const r = await runRandomFailures({ rate, seed, requests, concurrency, env: { UPSTREAM_BATCH_MAX: '1', RETRY_MAX_ROUNDS: rounds } });
      process.stderr.write(`rate ${rate} rounds ${rounds} seed ${seed}: ${JSON.stringify(r)}\n`);
      oks.push(r.ok);
      calls += r.balanceCalls;
      refused += r.budgetExhausted;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    const mean = oks.reduce((a, b) => a + b, 0) / oks.length;
    lines.push(`| ${rate * 100} % | ${rounds} | ${oks.map(pct).join(', ')} | ${pct(mean)} | ${(calls / (requests * seeds.length)).toFixed(2)} | ${refused} |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
