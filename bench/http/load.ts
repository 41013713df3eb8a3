/**
 * Load drivers for the HTTP harness: wrk where it is installed (C, so the generator costs the
 * server less of the 2 cores), autocannon otherwise, and a closed-loop probe at concurrency 1 for
 * added latency. Every driver can ask for fresh addresses, so a miss phase never hits a cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { run } from '../../src/dev/processes.js';
import { freshAddress, percentile, rpcBody } from './stats.js';

export type LoadMode =
  /** GET the same path again and again (cache hits); with `queries`, request n appends queries[n % length]. */
  | { readonly kind: 'fixed'; readonly path: string; readonly queries?: readonly string[] }
  /** GET /address/balance/<fresh address> (cache misses), `queries` taken in turn as for 'fixed'. */
  | { readonly kind: 'fresh-get'; readonly prefix: string; readonly queries?: readonly string[] }
  /** POST eth_getBalance(<fresh address>, block) to a JSON-RPC node. */
  | { readonly kind: 'fresh-rpc'; readonly prefix: string; readonly block: string };

export interface LoadSpec {
  readonly origin: string;
  readonly mode: LoadMode;
  readonly connections: number;
  readonly durationSec: number;
}

export interface LoadResult {
  readonly tool: 'wrk' | 'autocannon';
  readonly requests: number;
  readonly rps: number;
  /** Socket errors, timeouts and non-2xx answers. */
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export type LoadTool = 'wrk' | 'autocannon';

export function detectTool(preferred?: string): LoadTool {
  if (preferred === 'autocannon') return 'autocannon';
  const found = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  // wrk --version prints its banner and exits 1; only a missing binary sets error.
  if (found.error === undefined) return 'wrk';
  if (preferred === 'wrk') throw new Error('wrk was asked for but is not installed');
  return 'autocannon';
}

export function runLoad(tool: LoadTool, spec: LoadSpec): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(spec) : runAutocannon(spec);
}


/** The wrk script: fresh addresses per thread (thread id in the address), JSON summary on exit. */
function wrkScript(mode: LoadMode): string {
  const queries = mode.kind === 'fresh-rpc' ? [] : (mode.queries ?? []);
  const query = queries.length === 0 ? '""' : `queries[counter % ${queries.length} + 1]`;
  const fresh =
    mode.kind === 'fixed'
      ? queries.length === 0
        ? ''
        : `
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "${mode.path}" .. ${query})
end`
      : `
local counter = 0
function request()
  counter = counter + 1
  local addr = "0x${mode.prefix}" .. string.format("%08x", tid) .. string.rep("0", 16) .. string.format("%08x", counter)
  ${
    mode.kind === 'fresh-get'
      ? `return wrk.format("GET", "/address/balance/" .. addr .. ${query})`
      : `return wrk.format("POST", "/", { ["Content-Type"] = "application/json" }, '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["' .. addr .. '",' .. '${mode.block}' .. ']}')`
  }
end`;
  return `
local threads = {}
local queries = { ${queries.map((q) => JSON.stringify(q)).join(', ')} }
tid = 0
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
${fresh}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"errors":%d,"p50Us":%.1f,"p99Us":%.1f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const script = join(dir, 'load.lua');
  writeFileSync(script, wrkScript(spec.mode));
  const path = spec.mode.kind === 'fixed' ? spec.mode.path : '/';
  const args = ['-t1', `-c${spec.connections}`, `-d${spec.durationSec}s`, '--timeout', '5s', '-s', script, `${spec.origin}${path}`];
  try {
    const ran = await run('wrk', args);
    const out = ran.stdout + ran.stderr;
    if (ran.code !== 0) throw new Error(`wrk exited ${ran.code ?? ran.signal}: ${out}`);
    const line = /WRKJSON (\{.*\})/.exec(out);
    if (line === null) throw new Error(`wrk printed no summary: ${out}`);
    const s = JSON.parse(line[1]!) as { requests: number; durationUs: number; errors: number; p50Us: number; p99Us: number };
    return {
      tool: 'wrk',
      requests: s.requests,
      rps: s.requests / (s.durationUs / 1e6),
      errors: s.errors,
      p50Ms: s.p50Us / 1000,
      p99Ms: s.p99Us / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const mode = spec.mode;
  const counters = new Map<unknown, number>();
  let clients = 0;
  const next = (client: unknown): string => {
    let n = counters.get(client);
    if (n === undefined) counters.set(client, (n = clients++ * 1e7));
    counters.set(client, n + 1);
    return freshAddress(mode.kind === 'fixed' ? '00000000' : mode.prefix, n + 1);
  };
  let sent = 0;
  const queries = mode.kind === 'fresh-rpc' ? [] : (mode.queries ?? []);
  const query = () => (queries.length === 0 ? '' : queries[sent++ % queries.length]!);
  const requests: autocannon.Request[] =
    mode.kind === 'fixed'
      ? queries.length === 0
        ? [{ method: 'GET', path: mode.path }]
        : [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `${mode.path}${query()}` }) }]
      : mode.kind === 'fresh-get'
        ? [{ method: 'GET', setupRequest: (req, ctx) => ({ ...req, path: `/address/balance/${next(ctx)}${query()}` }) }]
        : [
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              setupRequest: (req, ctx) => ({ ...req, path: '/', body: rpcBody(next(ctx), mode.block) }),
            },
          ];
  const result = await autocannon({
    url: spec.origin,
    connections: spec.connections,
    duration: spec.durationSec,
    requests,
    timeout: 5,
  });
  return {
    tool: 'autocannon',
    requests: result.requests.total,
    rps: result.requests.total / (result.duration || spec.durationSec),
    errors: result.errors + result.timeouts + result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export interface ProbeResult {
  readonly samples: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ProbeTarget {
  readonly origin: string;
  readonly request: (i: number) => { method: 'GET' | 'POST'; path: string; body?: string };
}

/**
 * One request at a time over one keep-alive connection per target, timed with the high-resolution
 * clock: autocannon and wrk report whole or coarse milliseconds, too blunt for a 0.3 ms budget.
 * Targets take turns request by request (paired samples), so a slow spell on this shared VM hits
 * every target alike instead of whichever happened to be measured during it.
 */
export async function probeLatency(targets: readonly ProbeTarget[], samples: number, warmup = 50): Promise<ProbeResult[]> {
  const pools = targets.map((t) => new Pool(t.origin, { connections: 1, pipelining: 1 }));
  const times: number[][] = targets.map(() => []);
  const errors = targets.map(() => 0);
  try {
    for (let i = 0; i < warmup + samples; i++) {
      for (let t = 0; t < targets.length; t++) {
        const r = targets[t]!.request(i);
        const started = performance.now();
        const res = await pools[t]!.request(
          r.body === undefined
            ? { method: r.method, path: r.path, headers: {} }
            : { method: r.method, path: r.path, body: r.body, headers: { 'content-type': 'application/json' } },
        );
        const text = await res.body.text();
        const elapsed = performance.now() - started;
        if (i < warmup) continue;
        times[t]!.push(elapsed);
        if (res.statusCode !== 200 || text.includes('"error"')) errors[t]!++;
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return times.map((series, t) => {
    series.sort((a, b) => a - b);
    return { samples, errors: errors[t]!, p50Ms: percentile(series, 50), p99Ms: percentile(series, 99) };
  });
}

export interface SlicedTarget {
  readonly origin: string;
  /** The load for one slice (fresh-address modes need a new prefix per slice). */
  readonly mode: (slice: number) => LoadMode;
}

/**
 * Loads several targets in alternating slices (a, b, a, b, ...) and sums each target's slices: a
 * ratio between them then compares the same stretches of time on this noisy machine.
 */
export async function runInterleaved(
  tool: LoadTool,
  targets: readonly SlicedTarget[],
  spec: { readonly connections: number; readonly durationSec: number; readonly slices: number },
): Promise<LoadResult[]> {
  const sliceSec = Math.max(1, Math.round(spec.durationSec / spec.slices));
  const parts: LoadResult[][] = targets.map(() => []);
  for (let s = 0; s < spec.slices; s++) {
    for (const [t, target] of targets.entries()) {
      parts[t]!.push(await runLoad(tool, { origin: target.origin, mode: target.mode(s), connections: spec.connections, durationSec: sliceSec }));
    }
  }
  return parts.map((slices) => {
    const requests = slices.reduce((n, r) => n + r.requests, 0);
    const seconds = slices.reduce((n, r) => n + (r.rps > 0 ? r.requests / r.rps : sliceSec), 0);
    const p50s = slices.map((r) => r.p50Ms).sort((a, b) => a - b);
    return {
      tool,
      requests,
      rps: requests / seconds,
      errors: slices.reduce((n, r) => n + r.errors, 0),
      p50Ms: p50s[p50s.length >> 1]!,
      p99Ms: Math.max(...slices.map((r) => r.p99Ms)),
    };
  });
}

