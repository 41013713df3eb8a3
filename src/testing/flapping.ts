/**
 * One provider flapping through every fault while clients keep asking: the scenario behind the
 * flapping test and the numbers in bench/README.md, `npm run bench:resilience` (bench/resilience-run.ts).
 */
import type { Fault, FaultRule } from './fault-proxy.js';
import { drive, sleep, type LoadResult, type RouterFixture } from './router-fixture.js';
import { percentile } from './stats.js';

/** Each fault is followed by a healthy spell, so the provider keeps failing and recovering. */
export const FLAP_FAULTS: readonly { readonly name: string; readonly rule: FaultRule | Fault }[] = [
  { name: 'http-500', rule: { kind: 'status', status: 500 } },
  { name: 'reset', rule: { kind: 'reset' } },
  { name: 'hang', rule: { kind: 'hang' } },
  { name: 'rpc-32005', rule: { kind: 'rpc-429', backoffSeconds: 1 } },
  { name: 'http-429', rule: { kind: 'http-429', retryAfterSeconds: 1 } },
  { name: 'slow-300ms', rule: { kind: 'delay', ms: 300 } },
  { name: 'garbage', rule: { kind: 'garbage' } },
  { name: 'block-not-found', rule: { fault: { kind: 'rpc-error', code: -32001, message: 'Resource not found' }, methods: ['eth_getBalance'] } },
  { name: 'wrong-chain', rule: { kind: 'chain-id', chainId: 999 } },
  { name: 'lagging', rule: { kind: 'frozen-head' } },
  { name: 'flaky-50%-503', rule: { fault: { kind: 'status', status: 503 }, rate: 0.5 } },
];

export interface FlapOptions {
  readonly provider: string;
  readonly durationMs: number;
  readonly concurrency: number;
  /** How long each fault, and each healthy spell after it, lasts. */
  readonly phaseMs: number;
  readonly mineEveryMs: number;
  readonly missShare: number;
  /** Run without faults (the baseline). */
  readonly healthy?: boolean;
  readonly onPhase?: (name: string) => void;
}

export interface FlapReport {
  readonly requests: number;
  readonly statuses: Record<string, number>;
  readonly wrong: number;
  readonly problems: string[];
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly requestsPerSecond: number;
  /** Balance reads the cache sent upstream (misses after coalescing). */
  readonly loads: number;
  /** eth_getBalance calls that reached any provider: loads + failovers + hedges. */
  readonly upstreamReads: number;
  /** eth_getBalance calls per provider during the run. */
  readonly readsByProvider: Record<string, number>;
  readonly phases: number;
}

export async function runFlapping(fx: RouterFixture, options: FlapOptions): Promise<FlapReport> {
  const proxy = fx.proxies[options.provider]!;
  const readsBefore = totalReads(fx);
  const before = readsBy(fx);
  const missesBefore = fx.app.cache.stats.misses;
  let stop = false;
  let phases = 0;
  const flapper = (async () => {
    for (let i = 0; !stop; i++) {
      const { name, rule } = FLAP_FAULTS[i % FLAP_FAULTS.length]!;
      if (!options.healthy) {
        proxy.set(rule);
        options.onPhase?.(name);
      }
      phases++;
      await sleep(options.phaseMs);
      proxy.set({ kind: 'pass' });
      if (!stop) await sleep(options.phaseMs);
    }
  })();
  fx.cluster.startMining(options.mineEveryMs);
  const deadline = performance.now() + options.durationMs;
  const results: LoadResult[] = [];
  try {
    // Short rounds so the run ends on time whatever the request rate.
    while (performance.now() < deadline) {
      results.push(await drive(fx.app, fx.cluster, { requests: options.concurrency * 50, concurrency: options.concurrency, missShare: options.missShare }));
    }
  } finally {
    stop = true;
    await fx.cluster.stopMining();
    await flapper;
    proxy.set({ kind: 'pass' });
  }
  const latencies = results.flatMap((r) => r.latenciesMs);
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [status, n] of r.statuses) statuses[status] = (statuses[status] ?? 0) + n;
  const durationMs = results.reduce((sum, r) => sum + r.durationMs, 0);
  return {
    requests: latencies.length,
    statuses,
    wrong: results.reduce((n, r) => n + r.wrong, 0),
    problems: results.flatMap((r) => r.problems).slice(0, 5),
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    requestsPerSecond: (latencies.length / durationMs) * 1000,
    loads: fx.app.cache.stats.misses - missesBefore,
    upstreamReads: totalReads(fx) - readsBefore,
    readsByProvider: Object.fromEntries(Object.entries(readsBy(fx)).map(([name, n]) => [name, n - (before[name] ?? 0)])),
    phases,
  };
}

function readsBy(fx: RouterFixture): Record<string, number> {
  return Object.fromEntries(Object.entries(fx.proxies).map(([name, p]) => [name, p.calls.get('eth_getBalance') ?? 0]));
}

function totalReads(fx: RouterFixture): number {
  let n = 0;
  for (const p of Object.values(fx.proxies)) n += p.calls.get('eth_getBalance') ?? 0;
  return n;
}
