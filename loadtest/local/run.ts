/**
 * Runs the k6 scenarios of ../scenarios.ts with Node where there is no k6 binary: the same
 * executors (closed VU loops or open arrival rates), the same request mix and the same thresholds,
 * judged the way k6 judges them. Exit code 99 when a threshold fails, as k6.
 *
 *   BASE_URL=http://127.0.0.1:3000 npm run loadtest:local -- smoke [--time-scale 0.1]
 *   npm run loadtest:local -- smoke        (no BASE_URL: starts the app on a local anvil devnet)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  durationSeconds,
  iterationRequest,
  parseThreshold,
  SCENARIOS,
  thresholdHolds,
  type Executor,
  type Scenario,
  type ScenarioName,
  type Stage,
} from '../scenarios.ts';
import { WATCH_SCENARIO } from '../watch-scenario.ts';
import { renderWatchResult, runWatchScenario } from './watch-run.ts';

export interface LocalResult {
  readonly scenario: ScenarioName;
  readonly requests: number;
  readonly failed: number;
  readonly droppedIterations: number;
  readonly durationSec: number;
  readonly latencyMs: { readonly avg: number; readonly med: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly byKind: Readonly<Record<'hot' | 'cold' | 'batch', number>>;
  readonly thresholds: readonly { readonly metric: string; readonly rule: string; readonly observed: number; readonly ok: boolean }[];
  readonly ok: boolean;
}

export interface LocalOptions {
  readonly baseUrl: string;
  /** Multiplies every duration: 0.1 runs a 2-minute scenario in 12 seconds. */
  readonly timeScale?: number;
  /** Multiplies rates and VU counts, for a machine smaller than the target. */
  readonly loadScale?: number;
  readonly run?: number;
}

/** The load level of an executor `t` seconds in: VUs for closed, requests per second for open. */
export function levelAt(executor: Executor, t: number, timeScale = 1): number {
  const ramp = (start: number, stages: readonly Stage[]) => {
    let from = start;
    let at = 0;
    for (const stage of stages) {
      const length = durationSeconds(stage.duration) * timeScale;
      if (t < at + length) return from + ((stage.target - from) * (t - at)) / Math.max(length, 1e-9);
      at += length;
      from = stage.target;
    }
    return from;
  };
  switch (executor.executor) {
    case 'constant-vus':
      return executor.vus;
    case 'constant-arrival-rate':
      return executor.rate;
    case 'ramping-vus':
      return Math.round(ramp(executor.startVUs, executor.stages));
    case 'ramping-arrival-rate':
      return ramp(executor.startRate, executor.stages);
  }
}

export function totalSeconds(executor: Executor, timeScale = 1): number {
  return (
    ('stages' in executor
      ? executor.stages.reduce((sum, s) => sum + durationSeconds(s.duration), 0)
      : durationSeconds(executor.duration)) * timeScale
  );
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  // k6 interpolates between ranks.
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export async function runScenario(scenario: Scenario, options: LocalOptions): Promise<LocalResult> {
  const timeScale = options.timeScale ?? 1;
  const loadScale = options.loadScale ?? 1;
  const run = options.run ?? Math.floor(Date.now() / 1000);
  const executor = scenario.executor;
  const open = executor.executor.endsWith('arrival-rate');
  const maxVUs = Math.max(1, Math.ceil(('maxVUs' in executor ? executor.maxVUs : levelMax(executor)) * loadScale));
  const url = new URL(options.baseUrl);
  const pool = new Pool(url.origin, { connections: maxVUs, pipelining: 1 });
  const latencies: number[] = [];
  const byKind = { hot: 0, cold: 0, batch: 0 };
  let failed = 0;
  let dropped = 0;
  let inflight = 0;
  let iteration = 0;
  const total = totalSeconds(executor, timeScale);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  const once = async (vu: number) => {
    const r = iterationRequest(scenario, run, vu, iteration++, Math.random);
    byKind[r.kind]++;
    const t0 = performance.now();
    try {
      const path = `${url.pathname.replace(/\/+$/, '')}${r.path}`;
      const res = await pool.request(
        r.body === undefined ? { method: r.method, path } : { method: r.method, path, body: r.body, headers: { 'content-type': 'application/json' } },
      );
      const body = await res.body.text();
      if (res.statusCode !== 200 || !body.includes(r.expect)) failed++;
    } catch {
      failed++;
    }
    latencies.push(performance.now() - t0);
  };

  try {
    if (open) {
      // Open model: start iterations on schedule; when maxVUs are busy, count a dropped iteration.
      let due = 0;
      let last = 0;
      while (elapsed() < total) {
        const now = elapsed();
        due += levelAt(executor, now, timeScale) * loadScale * (now - last);
        last = now;
        while (due >= 1) {
          due -= 1;
          if (inflight >= maxVUs) {
            dropped++;
            continue;
          }
          inflight++;
          void once(inflight).finally(() => inflight--);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    } else {
      // Closed model: each VU loops; the controller adds or retires VUs to follow the stages.
      let active = 0;
      const loops: Promise<void>[] = [];
      const vu = async (id: number) => {
        while (elapsed() < total && id <= active) await once(id);
      };
      while (elapsed() < total) {
        const target = Math.max(0, Math.round(levelAt(executor, elapsed(), timeScale) * loadScale));
        while (active < target) loops.push(vu(++active));
        if (active > target) active = target;
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(loops);
    }
    while (inflight > 0) await new Promise((r) => setTimeout(r, 5));
  } finally {
    await pool.close();
  }

  latencies.sort((a, b) => a - b);
  const latencyMs = {
    avg: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    med: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
  };
  const failRate = latencies.length === 0 ? 1 : failed / latencies.length;
  const observe = (stat: string) =>
    stat === 'rate' ? failRate : stat === 'avg' ? latencyMs.avg : stat === 'med' ? latencyMs.med : stat === 'max' ? latencyMs.max : stat === 'min' ? latencies[0] ?? 0 : quantile(latencies, Number(stat.slice(1)) / 100);
  const thresholds = (Object.entries(scenario.thresholds) as [string, readonly string[]][]).flatMap(([metric, rules]) =>
    rules.map((source) => {
      const rule = parseThreshold(source);
      const observed = observe(rule.stat);
      return { metric, rule: source, observed, ok: thresholdHolds(rule, observed) };
    }),
  );
  return {
    scenario: scenario.name,
    requests: latencies.length,
    failed,
    droppedIterations: dropped,
    durationSec: elapsed(),
    latencyMs,
    byKind,
    thresholds,
    ok: thresholds.every((t) => t.ok),
  };
}

/** The app on a local anvil devnet, in-process (src/ is type-checked by the root project, not here). */
export async function startLocalService(): Promise<{ baseUrl: string; shutdown(): Promise<unknown> }> {
  const module = '../../src/testing/start-app.ts';
  const { startTestApp } = (await import(module)) as {
    startTestApp(env: Record<string, string>): Promise<{ baseUrl: string; shutdown(): Promise<unknown> }>;
  };
  return startTestApp({});
}

function levelMax(executor: Executor): number {
  return executor.executor === 'constant-vus' ? executor.vus : executor.executor === 'ramping-vus' ? Math.max(executor.startVUs, ...executor.stages.map((s) => s.target)) : 1;
}

export function renderResult(r: LocalResult): string {
  const lines = [
    `scenario ${r.scenario}: ${r.requests} requests in ${r.durationSec.toFixed(1)} s (${(r.requests / r.durationSec).toFixed(0)}/s; hot ${r.byKind.hot}, cold ${r.byKind.cold}, batch ${r.byKind.batch}), failed ${r.failed}, dropped iterations ${r.droppedIterations}`,
    `  http_req_duration avg=${r.latencyMs.avg.toFixed(2)}ms med=${r.latencyMs.med.toFixed(2)}ms p(95)=${r.latencyMs.p95.toFixed(2)}ms p(99)=${r.latencyMs.p99.toFixed(2)}ms max=${r.latencyMs.max.toFixed(2)}ms`,
  ];
  for (const t of r.thresholds) lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric} ${t.rule} (observed ${t.observed.toFixed(t.metric === 'http_req_failed' ? 4 : 2)})`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (isMain) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'time-scale': { type: 'string', default: '1' }, 'load-scale': { type: 'string', default: '1' } },
  });
  const names = (positionals.length === 0 ? ['smoke'] : positionals) as (ScenarioName | 'watch')[];
  for (const name of names) if (!(name in SCENARIOS) && name !== 'watch') throw new Error(`unknown scenario "${name}"; one of ${Object.keys(SCENARIOS).join(', ')}, watch`);
  let baseUrl = process.env.BASE_URL;
  let stop: (() => Promise<unknown>) | undefined;
  if (baseUrl === undefined || baseUrl === '') {
    // No target given: serve the local devnet in-process, as `npm start` would.
    const app = await startLocalService();
    baseUrl = app.baseUrl;
    stop = () => app.shutdown();
    process.stderr.write(`BASE_URL not set: started the service on a local anvil devnet at ${baseUrl}\n`);
  }
  let ok = true;
  try {
    for (const name of names) {
      const scale = { baseUrl, timeScale: Number(values['time-scale']), loadScale: Number(values['load-scale']) };
      const result = name === 'watch' ? await runWatchScenario(WATCH_SCENARIO, scale) : await runScenario(SCENARIOS[name], scale);
      process.stdout.write(`${'requests' in result ? renderResult(result) : renderWatchResult(result)}\n`);
      ok &&= result.ok;
    }
  } finally {
    await stop?.();
  }
  process.exit(ok ? 0 : 99);
}
