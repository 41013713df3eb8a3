/**
 * A load client in its own process (forked by bench/http/workers.ts), so that generating one load
 * never stalls the measurement of another. Two jobs, each open loop at a fixed rate (requests are
 * sent on schedule whatever the server does; a stalled server builds a queue, which the latency
 * then shows):
 * - `hits`: GET one path over `connections` keep-alive connections; latency per request with the
 *   high-resolution clock, from the moment it was sent (queued behind busy connections included).
 * - `background`: POST /address/balances of `batchSize` addresses at `batchRate` per second and
 *   GET ?verify=true reads at `verifyRate`, each over the next addresses of a list (cold at every
 *   new block), at most `maxInFlight` of each kind outstanding (the rest counted as skipped).
 *
 * Protocol: the parent sends one job message; the client answers with a `LoadClientReport` when
 * `durationMs` is over (background: when it gets 'stop').
 */
import { Pool } from 'undici';
import { percentile } from './stats.js';

export type LoadClientJob =
  | { readonly kind: 'hits'; readonly origin: string; readonly path: string; readonly connections: number; readonly rate: number; readonly durationMs: number }
  | {
      readonly kind: 'background';
      readonly origin: string;
      readonly addresses: readonly string[];
      readonly batchSize: number;
      readonly batchRate: number;
      readonly verifyRate: number;
      readonly maxInFlight: number;
    };

export interface LoadClientReport {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly skipped: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** background only: answered batches and verified reads. */
  readonly batches?: number;
  readonly verified?: number;
}

/** Calls `fire(n)` with the number of sends due on each 1 ms tick, so the rate holds on average. */
function onSchedule(rate: number, fire: (due: number) => void): () => void {
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
    if (due > 0) {
      sent += due;
      fire(due);
    }
  }, 1);
  return () => clearInterval(timer);
}

async function hits(job: Extract<LoadClientJob, { kind: 'hits' }>): Promise<LoadClientReport> {
  const pool = new Pool(job.origin, { connections: job.connections, pipelining: 1 });
  const times: number[] = [];
  let sent = 0;
  let ok = 0;
  let errors = 0;
  const pending = new Set<Promise<void>>();
  const one = () => {
    sent++;
    const start = performance.now();
    const p = pool
      .request({ method: 'GET', path: job.path })
      .then(async (res) => {
        await res.body.text();
        times.push(performance.now() - start);
        if (res.statusCode === 200) ok++;
        else if (errors++ === 0) process.stderr.write(`hits: first error HTTP ${res.statusCode}\n`);
      })
      .catch((error: unknown) => {
        if (errors++ === 0) process.stderr.write(`hits: first error ${String(error)}\n`);
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const started = performance.now();
  const stop = onSchedule(job.rate, (due) => {
    for (let i = 0; i < due; i++) one();
  });
  await new Promise((r) => setTimeout(r, job.durationMs));
  stop();
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  times.sort((a, b) => a - b);
  return { sent, ok, errors, skipped: 0, seconds, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

async function background(job: Extract<LoadClientJob, { kind: 'background' }>, stopped: Promise<void>): Promise<LoadClientReport> {
  const pool = new Pool(job.origin, { connections: 2 * job.maxInFlight, pipelining: 1 });
  let next = 0;
  const take = () => job.addresses[next++ % job.addresses.length]!;
  const times: number[] = [];
  const counts = { sent: 0, ok: 0, errors: 0, skipped: 0, batches: 0, verified: 0 };
  const inFlight = { batch: 0, verify: 0 };
  const pending = new Set<Promise<void>>();
  const send = (kind: 'batch' | 'verify') => {
    if (inFlight[kind] >= job.maxInFlight) return void counts.skipped++;
    inFlight[kind]++;
    counts.sent++;
    const start = performance.now();
    const request =
      kind === 'batch'
        ? pool.request({
            method: 'POST',
            path: '/address/balances',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ addresses: Array.from({ length: job.batchSize }, take) }),
          })
        : pool.request({ method: 'GET', path: `/address/balance/${take()}?verify=true` });
    const p = request
      .then(async (res) => {
        const text = await res.body.text();
        times.push(performance.now() - start);
        if (res.statusCode !== 200) {
          if (counts.errors++ === 0) process.stderr.write(`background ${kind}: first error HTTP ${res.statusCode}: ${text.slice(0, 200)}\n`);
          return;
        }
        counts.ok++;
        if (kind === 'batch') counts.batches++;
        else counts.verified++;
      })
      .catch(() => void counts.errors++)
      .finally(() => {
        inFlight[kind]--;
        pending.delete(p);
      });
    pending.add(p);
  };
  const started = performance.now();
  const stops = [
    job.batchRate > 0 ? onSchedule(job.batchRate, (due) => Array.from({ length: due }, () => send('batch'))) : () => {},
    job.verifyRate > 0 ? onSchedule(job.verifyRate, (due) => Array.from({ length: due }, () => send('verify'))) : () => {},
  ];
  await stopped;
  stops.forEach((stop) => stop());
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  times.sort((a, b) => a - b);
  return { ...counts, seconds, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

let stop: () => void = () => {};
process.on('message', (message: LoadClientJob | 'stop') => {
  if (message === 'stop') return stop();
  // A fresh stop signal per job: the client runs one background job per slice.
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const run = message.kind === 'hits' ? hits(message) : background(message, stopped);
  void run.then((report) => process.send?.(report));
});
