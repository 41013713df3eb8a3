/**
 * Provider scoring micro-benchmark: what choosing a provider costs per upstream read (score every
 * provider, rank them), next to the per-item codec costs it competes with.
 */
import { Bench } from 'tinybench';
import { RollingWindow, score, type ScoreInput } from '../src/router/scoring.js';
import { rank } from '../src/router/selection.js';
import { summarizeBench, type BenchRow } from './bench-table.js';

export async function runScoringBench(options: { readonly time: number; readonly providers: number }): Promise<BenchRow[]> {
  const inputs: ScoreInput[] = Array.from({ length: options.providers }, (_, i) => ({
    latencyMs: 10 + i * 7,
    bestLatencyMs: 10,
    errorRate: i * 0.05,
    rateLimited: i % 2,
    lag: i % 3,
    maxLag: 3,
    consecutiveFailures: i === options.providers - 1 ? 2 : 0,
  }));
  const window = new RollingWindow();
  let now = 0;
  for (let i = 0; i < 1000; i++) window.add(i % 10 === 0 ? 'error' : 'ok', (now += 5));
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const bench = new Bench({ name: `scoring: ${options.providers} providers`, time: options.time, warmupTime: Math.min(100, options.time) });
  bench
    .add('score one provider', () => void score(inputs[seed++ % inputs.length]!))
    .add(`score and rank ${options.providers} providers`, () => {
      const items = inputs.map((input, i) => ({ i, score: score(input) }));
      void rank(items, random);
    })
    .add('rolling window: add + totals', () => {
      window.add('ok', (now += 1));
      void window.totals(now);
    });
  await bench.run();
  return summarizeBench(bench, 1);
}
