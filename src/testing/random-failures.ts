/**
 * One provider failing a share of its requests at random (half connection resets, half HTTP 500,
 * seeded so the same calls meet the same faults), a real anvil node behind the fault proxy, the
 * real app in-process, and `requests` cold GETs at `concurrency`: what the retry policy recovers.
 * Shared by the counted test (router/retry-wiring.test.ts) and `npm run bench:retry`.
 */
import { getAddress, keccak256, toUtf8Bytes } from 'ethers';
import { Pool } from 'undici';
import { startCluster } from './anvil-cluster.js';
import { startFaultProxy } from './fault-proxy.js';
import { samples } from './prometheus-text.js';
import { startTestApp } from './start-app.js';

export interface RandomFailureRun {
  /** Share of upstream HTTP requests that fail, 0..1. */
  readonly rate: number;
  readonly seed: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly env?: Readonly<Record<string, string>>;
}

export interface RandomFailureReport {
  readonly statuses: Readonly<Record<string, number>>;
  /** Share of 200 answers. */
  readonly ok: number;
  /** eth_getBalance calls the provider saw (first tries and retries). */
  readonly balanceCalls: number;
  /** The service's retry counters after the run. */
  readonly retryRounds: number;
  readonly recovered: number;
  readonly failed: number;
  readonly budgetExhausted: number;
}

/** A never-funded address, the same for the same seed and index (so seeded faults repeat). */
export function coldAddress(seed: number, i: number): string {
  return getAddress(`0x${keccak256(toUtf8Bytes(`cold-${seed}-${i}`)).slice(26)}`);
}

export async function runRandomFailures(run: RandomFailureRun): Promise<RandomFailureReport> {
  const cluster = await startCluster({ synced: 1 });
  const proxy = await startFaultProxy(cluster.synced[0]!.url, { gate: cluster.gateOf(cluster.synced[0]!.url), seed: run.seed });
  const faults = { fault: { kind: 'one-of' as const, faults: [{ kind: 'reset' as const }, { kind: 'status' as const, status: 500 }] }, rate: run.rate };
  proxy.set(faults);
  let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
  try {
    app = await startTestApp({ RPC_URLS: `a=${proxy.url}`, EXPECTED_CHAIN_ID: String(cluster.chainId), ...run.env });
    const pool = new Pool(app.baseUrl, { connections: run.concurrency, pipelining: 1 });
    const statuses: Record<string, number> = {};
    let issued = 0;
    const worker = async () => {
      while (issued < run.requests) {
        const address = coldAddress(run.seed, issued++);
        const res = await pool.request({ path: `/address/balance/${address}`, method: 'GET' });
        await res.body.text();
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: run.concurrency }, worker));
    await pool.close();
    const metrics = samples((await app.get('/metrics')).body as string);
    return {
      statuses,
      ok: (statuses['200'] ?? 0) / run.requests,
      balanceCalls: proxy.calls.get('eth_getBalance') ?? 0,
      retryRounds: metrics.get('balance_api_retry_rounds_total') ?? 0,
      recovered: metrics.get('balance_api_retries_total{outcome="recovered"}') ?? 0,
      failed: metrics.get('balance_api_retries_total{outcome="failed"}') ?? 0,
      budgetExhausted: metrics.get('balance_api_retry_budget_exhausted_total') ?? 0,
    };
  } finally {
    proxy.set({ kind: 'pass' });
    await app?.shutdown();
    await proxy.close();
    await cluster.stop();
  }
}
