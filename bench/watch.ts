/**
 * `npm run bench:watch`: GET /watch under 1,000 connections x 10 addresses with a block mined every
 * second, in one run:
 *   - delivery delay p50/p99: the service's own histogram (a head adopted -> its block message sent)
 *     and, as the client sees it, block mined (evm_mine answered) -> message received (wall clock of
 *     one machine: the head poll interval is part of it);
 *   - upstream requests per block against the addresses watched (counted by a fault proxy, the
 *     service's only provider, while nothing else asks anything);
 *   - the cache-hit throughput of HTTP clients beside it against none (target: at least 0.9x),
 *     slices with no watcher before and after the watched slice.
 * The service runs as in production (a child, bench/http/service-process.ts), the WebSocket
 * clients in another child (watch/clients.ts), the HTTP load in this process.
 *
 *   npm run bench:watch -- [--connections 1000] [--per-connection 10] [--slice-ms 10000] [--concurrency 8]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startAnvil } from '../src/dev/local-devnet.js';
import { startFaultProxy } from '../src/testing/fault-proxy.js';
import { deployMulticall3 } from '../src/testing/multicall3.js';
import { samples } from '../src/testing/prometheus-text.js';
import { startService } from './http/processes.js';
import { percentile } from './http/stats.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    'per-connection': { type: 'string', default: '10' },
    'slice-ms': { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    'head-ms': { type: 'string', default: '250' },
  },
});
const connections = Number(values.connections);
const perConnection = Number(values['per-connection']);
const sliceMs = Number(values['slice-ms']);
const concurrency = Number(values.concurrency);
const HOT = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';

const node = await startAnvil({ chainId: 1 });
await deployMulticall3(node);
await node.rpc('anvil_setBalance', [HOT, '0x1bc16d674ec80000']);
const proxy = await startFaultProxy(node.url);
const service = await startService('service', {
  PORT: '0',
  RPC_URLS: `anvil=${proxy.url}`,
  EXPECTED_CHAIN_ID: '1',
  // How often the head is polled while something watches: part of the client-seen delay.
  HEAD_MAX_AGE_MS: values['head-ms'],
  WATCH_MAX_CONNECTIONS: String(connections + 10),
});
const base = `http://127.0.0.1:${service.port}`;

// A block every second, each noted when anvil answered evm_mine.
const minedAt = new Map<number, number>();
let mining = true;
const miner = (async () => {
  while (mining) {
    const started = performance.now();
    await node.rpc('evm_mine');
    const at = performance.timeOrigin + performance.now();
    minedAt.set(Number.parseInt(await node.rpc<string>('eth_blockNumber'), 16), at);
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - started))));
  }
})();

async function metric(name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return new Map([...samples(text)].filter(([k]) => k.startsWith(name)));
}

/** Cache hits per second from `concurrency` closed loops on one hot address. */
async function hits(ms: number): Promise<number> {
  const pool = new Pool(base, { connections: concurrency, pipelining: 1 });
  const end = performance.now() + ms;
  let ok = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const res = await pool.request({ method: 'GET', path: `/address/balance/${HOT}` });
        await res.body.text();
        if (res.statusCode === 200) ok++;
      }
    }),
  );
  const rate = (ok * 1000) / (performance.now() - started);
  await pool.close();
  return rate;
}

const ask = <T>(child: ChildProcess, type: string, send?: string) =>
  new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    if (send !== undefined) child.send(send);
  });

/** p-quantile of a Prometheus histogram (le buckets, linear inside a bucket, as histogram_quantile). */
function histogramQuantile(buckets: Map<string, number>, q: number): number {
  const points = [...buckets]
    .filter(([k]) => k.includes('_bucket{'))
    .map(([k, v]) => [k.includes('le="+Inf"') ? Infinity : Number(/le="([^"]+)"/.exec(k)![1]), v] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = points.at(-1)?.[1] ?? 0;
  let previous: readonly [number, number] = [0, 0];
  for (const point of points) {
    if (point[1] >= q * total) {
      if (point[0] === Infinity) return previous[0];
      return previous[0] + ((point[0] - previous[0]) * (q * total - previous[1])) / Math.max(point[1] - previous[1], 1e-9);
    }
    previous = point;
  }
  return Number.NaN;
}

const minus = (a: Map<string, number>, b: Map<string, number>) => new Map([...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)]));

try {
  await hits(2000); // warm: head known, the hot balance cached
  const before = await hits(sliceMs);

  const clients = fork(join(dirname(fileURLToPath(import.meta.url)), 'watch', 'clients.ts'), [`ws://127.0.0.1:${service.port}/watch`, String(connections), String(perConnection), String(Date.now())], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const opened = Date.now();
  await ask(clients, 'subscribed');
  const subscribeSeconds = (Date.now() - opened) / 1000;

  // Upstream cost per block: only the watch asks anything now.
  await new Promise((r) => setTimeout(r, 2000));
  const firstBlock = Math.max(...minedAt.keys());
  proxy.reset();
  const watchUpstreamBefore = await metric('balance_api_watch_upstream_requests_total');
  await new Promise((r) => setTimeout(r, 5000));
  const blocks = Math.max(...minedAt.keys()) - firstBlock;
  const upstream = { requests: proxy.requests(), calls: Object.fromEntries(proxy.calls) };
  const watchUpstream = [...minus(await metric('balance_api_watch_upstream_requests_total'), watchUpstreamBefore).values()].reduce((a, b) => a + b, 0);

  const delayBefore = await metric('balance_api_watch_delivery_delay_seconds');
  const during = await hits(sliceMs);
  const delay = minus(await metric('balance_api_watch_delivery_delay_seconds'), delayBefore);
  const report = await ask<{ arrivals: [number, number[]][]; bad: number; subscribed: number }>(clients, 'report', 'report');
  clients.send('stop');
  await new Promise((r) => setTimeout(r, 1000));
  const after = await hits(sliceMs);

  const seen: number[] = [];
  let complete = 0;
  for (const [n, times] of report.arrivals) {
    const mined = minedAt.get(n);
    if (mined === undefined) continue;
    if (times.length === connections) complete++;
    for (const t of times) seen.push(t - mined);
  }
  seen.sort((a, b) => a - b);
  const none = (before + after) / 2;
  const lines = [
    `watch bench: ${connections} connections x ${perConnection} addresses (${connections * perConnection} distinct), a block mined every second, head polled every ${values['head-ms']} ms`,
    `  snapshots: all ${report.subscribed} subscribed in ${subscribeSeconds.toFixed(1)} s; block messages for ${report.arrivals.length} blocks (${complete} reached every connection); bad messages ${report.bad}`,
    `  delivery delay, service (adopted head -> message sent): p50 ${(histogramQuantile(delay, 0.5) * 1000).toFixed(1)} ms, p99 ${(histogramQuantile(delay, 0.99) * 1000).toFixed(1)} ms`,
    `  delivery delay, client (evm_mine answered -> message received): p50 ${percentile(seen, 50).toFixed(1)} ms, p99 ${percentile(seen, 99).toFixed(1)} ms (${seen.length} messages)`,
    `  upstream per block (${blocks} blocks, nothing else asking): ${(upstream.requests / Math.max(blocks, 1)).toFixed(1)} HTTP requests (watch's own count: ${(watchUpstream / Math.max(blocks, 1)).toFixed(1)}), calls ${JSON.stringify(upstream.calls)} in all, for ${connections * perConnection} addresses`,
    `  cache-hit throughput, ${concurrency} HTTP clients: ${none.toFixed(0)}/s without watchers (${before.toFixed(0)} before, ${after.toFixed(0)} after), ${during.toFixed(0)}/s beside them: ${(during / none).toFixed(2)}x (target >= 0.9x)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  mining = false;
  await miner;
  await service.stop();
  await proxy.close();
  await node.stop();
}
