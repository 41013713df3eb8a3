/**
 * Test and measurement rig for the router: a cluster of real anvil nodes, a real fault proxy in
 * front of each, the real app in-process, and a load driver that checks every answer against the
 * balance the cluster knows for that address at the block the answer names.
 */
import { randomBytes } from 'node:crypto';
import { getAddress } from 'ethers';
import { Pool } from 'undici';
import { startCluster, WATCHED, type AnvilCluster, type ClusterOptions } from './anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startTestApp, type TestApp } from './start-app.js';
import type { ProviderSnapshot } from '../router/upstream.js';

/** Looks like an Infura key in the path and a token in the query: must never show anywhere. */
export const FAKE_KEY = '0123456789abcdef0123456789abcdef';
export const FAKE_TOKEN = 'tok3n-s3cr3t-value';

export interface RouterFixture {
  readonly cluster: AnvilCluster;
  /** Proxies by provider name: a, b, c (synced), lag, other (foreign chain). */
  readonly proxies: Readonly<Record<string, FaultProxy>>;
  readonly app: TestApp;
  heal(): void;
  providers(): Promise<ProviderSnapshot[]>;
  provider(name: string): Promise<ProviderSnapshot>;
  close(): Promise<void>;
}

export interface FixtureOptions extends ClusterOptions {
  readonly env?: Readonly<Record<string, string>>;
}

export async function startRouterFixture(options: FixtureOptions = {}): Promise<RouterFixture> {
  const cluster = await startCluster(options);
  const nodes: [string, string][] = cluster.synced.map((n, i) => [String.fromCharCode(97 + i), n.url]);
  if (cluster.lagging !== undefined) nodes.push(['lag', cluster.lagging.url]);
  if (cluster.foreign !== undefined) nodes.push(['other', cluster.foreign.url]);
  const proxies: Record<string, FaultProxy> = {};
  let app: TestApp | undefined;
  try {
    for (const [name, url] of nodes) proxies[name] = await startFaultProxy(url, { gate: cluster.gateOf(url) });
    app = await startTestApp({
      RPC_URLS: nodes.map(([name]) => `${name}=${proxies[name]!.url}/v3/${FAKE_KEY}?token=${FAKE_TOKEN}`).join(','),
      EXPECTED_CHAIN_ID: String(cluster.chainId),
      ...options.env,
    });
  } catch (error) {
    await Promise.all(Object.values(proxies).map((p) => p.close()));
    await cluster.stop();
    throw error;
  }
  const running = app;
  const providers = async () => ((await running.get('/providers')).body as { providers: ProviderSnapshot[] }).providers;
  return {
    cluster,
    proxies,
    app: running,
    heal: () => {
      for (const p of Object.values(proxies)) p.set({ kind: 'pass' });
    },
    providers,
    provider: async (name) => (await providers()).find((p) => p.name === name)!,
    close: async () => {
      await cluster.stopMining();
      for (const p of Object.values(proxies)) p.set({ kind: 'pass' });
      await running.shutdown();
      await Promise.all(Object.values(proxies).map((p) => p.close()));
      await cluster.stop();
    },
  };
}

export interface LoadOptions {
  readonly requests: number;
  readonly concurrency: number;
  /** Share of requests for never-seen addresses (cache misses that reach a provider). */
  readonly missShare?: number;
  /** Called between requests, e.g. to change faults (request index). */
  readonly onProgress?: (done: number) => void;
}

export interface LoadResult {
  readonly latenciesMs: number[];
  readonly statuses: Map<number, number>;
  /** Answers that were 200 but wrong, or not 200: the first few, described. */
  readonly problems: string[];
  readonly wrong: number;
  readonly durationMs: number;
}

/** A random EIP-55 address: a balance no test has set (a cache miss that reaches a provider). */
export function randomAddress(): string {
  return getAddress(`0x${randomBytes(20).toString('hex')}`);
}

/** Drives `requests` balance requests at `concurrency`, checking each answer's wei at its block. */
export async function drive(app: TestApp, cluster: AnvilCluster, options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(app.baseUrl, { connections: options.concurrency, pipelining: 1 });
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  const problems: string[] = [];
  let wrong = 0;
  let issued = 0;
  const missShare = options.missShare ?? 0.5;
  const started = performance.now();
  const worker = async () => {
    while (issued < options.requests) {
      const i = issued++;
      options.onProgress?.(i);
      const address = Math.random() < missShare ? randomAddress() : WATCHED[i % WATCHED.length]!;
      const t0 = performance.now();
      const res = await pool.request({ path: `/address/balance/${address}`, method: 'GET' });
      const text = await res.body.text();
      latenciesMs.push(performance.now() - t0);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      let problem: string | undefined;
      if (res.statusCode !== 200) {
        problem = `${res.statusCode} ${text.slice(0, 600)}`;
      } else {
        const body = JSON.parse(text) as { balanceWei: string; headBlockNumber: string; address: string };
        const expected = cluster.balanceAt(address, BigInt(body.headBlockNumber));
        if (body.balanceWei !== expected.toString() || body.address !== address) {
          problem = `${address} at ${body.headBlockNumber}: got ${body.balanceWei}, expected ${expected}`;
        }
      }
      if (problem !== undefined) {
        wrong++;
        if (problems.length < 5) problems.push(problem);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await pool.close();
  }
  return { latenciesMs, statuses, problems, wrong, durationMs: performance.now() - started };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
