/**
 * `npm run bench:batch`: balances per second for cold addresses through POST /address/balances
 * (batches of 100 and of 1,000) against single GETs at the same concurrency, and the upstream HTTP
 * requests 1,000 cold balances cost each way. The service runs as in production (a child process,
 * service-process.ts) over a real anvil (a second one behind a counting fault proxy counts the
 * upstream requests); the load comes from undici pools here. The three modes take turns in short slices, so drift on the shared VM cancels out.
 *
 * The chain is mainnet's id with Multicall3 where mainnet has it, so batches read through it
 * (UPSTREAM_MULTICALL=auto); --no-multicall leaves it out (JSON-RPC batches of eth_getBalance).
 *
 *   npm run bench:batch -- [--concurrency 8] [--slice-ms 3000] [--rounds 3] [--upstream-batch 100] [--no-multicall]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startAnvil } from '../../src/dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from '../../src/testing/fault-proxy.js';
import { deployMulticall3 } from '../../src/testing/multicall3.js';
import { startService } from './processes.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
    'slice-ms': { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    'upstream-batch': { type: 'string', default: '100' },
    // Profiling one mode alone: --sizes 100 (the ratio column then needs 1 in the list).
    sizes: { type: 'string', default: '1,100,1000' },
    'no-multicall': { type: 'boolean', default: false },
  },
});
const concurrency = Number(values.concurrency);
const sliceMs = Number(values['slice-ms']);
const rounds = Number(values.rounds);
const upstreamBatch = Number(values['upstream-batch']);

// Cold addresses without a keccak in the load generator (it shares the 2 cores with the service):
// all digits, so already EIP-55 (no letters to case); the service still checks each one in full.
const run = randomBytes(4).readUInt32BE(0) % 1e9;
let counter = 0;
const cold = (): string => `0x${String(run).padStart(10, '0')}${String(counter++).padStart(30, '0')}`;

interface Mode {
  readonly name: string;
  /** Addresses per request (1: a single GET). */
  readonly size: number;
}

const MODES: readonly Mode[] = values.sizes
  .split(',')
  .map(Number)
  .map((size) => ({ name: size === 1 ? 'single GET' : `batch of ${size}`, size }));

async function request(pool: Pool, size: number): Promise<boolean> {
  if (size === 1) {
    const res = await pool.request({ method: 'GET', path: `/address/balance/${cold()}` });
    await res.body.text();
    return res.statusCode === 200;
  }
  const addresses = Array.from({ length: size }, cold);
  const res = await pool.request({ method: 'POST', path: '/address/balances', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addresses }) });
  await res.body.text();
  return res.statusCode === 200;
}

/** CPU milliseconds (user + system) a process has used so far; Linux /proc, clock ticks of 10 ms. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

interface SliceResult {
  readonly balancesPerSec: number;
  readonly failed: number;
  /** CPU microseconds per balance answered: the service, anvil, and this load generator. */
  readonly cpuPerBalance: { service: number; anvil: number; load: number };
}

/** `concurrency` closed loops for `ms`: balances answered per second, failures, and where the CPU went. */
async function slice(pool: Pool, mode: Mode, ms: number): Promise<SliceResult> {
  const end = performance.now() + ms;
  let balances = 0;
  let failed = 0;
  const cpuBefore = { service: cpuMs(service.child.pid), anvil: cpuMs(node.process.pid), load: process.cpuUsage() };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if (await request(pool, mode.size)) balances += mode.size;
        else failed++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const load = process.cpuUsage(cpuBefore.load);
  const perBalance = (msUsed: number) => (msUsed * 1000) / Math.max(balances, 1);
  return {
    balancesPerSec: (balances * 1000) / elapsed,
    failed,
    cpuPerBalance: {
      service: perBalance(cpuMs(service.child.pid) - cpuBefore.service),
      anvil: perBalance(cpuMs(node.process.pid) - cpuBefore.anvil),
      load: perBalance((load.user + load.system) / 1000),
    },
  };
}

/** Upstream HTTP requests and eth_getBalance / eth_call calls for 1,000 cold balances, asked `size` at a time. */
async function upstreamCost(pool: Pool, proxy: FaultProxy, size: number): Promise<{ requests: number; calls: number; ethCalls: number; failed: number }> {
  // A fresh head first, so the count is the reads' own (no head poll rides along).
  await request(pool, 1);
  proxy.reset();
  const perRequest = Array.from({ length: 1000 / size }, () => size);
  let failed = 0;
  for (let i = 0; i < perRequest.length; i += concurrency) {
    const oks = await Promise.all(perRequest.slice(i, i + concurrency).map((n) => request(pool, n)));
    failed += oks.filter((ok) => !ok).length;
  }
  return { requests: proxy.requests(), calls: proxy.calls.get('eth_getBalance') ?? 0, ethCalls: proxy.calls.get('eth_call') ?? 0, failed };
}

const node = await startAnvil({ chainId: 1 });
const multicall = !values['no-multicall'];
if (multicall) await deployMulticall3(node);
const proxy = await startFaultProxy(node.url);
const serviceEnv = (rpcUrl: string) => ({
  // Its own ephemeral port: two services on one port would share connections (SO_REUSEPORT).
  PORT: '0',
  RPC_URLS: `anvil=${rpcUrl}`,
  EXPECTED_CHAIN_ID: '1',
  UPSTREAM_BATCH_MAX: String(upstreamBatch),
  // A head that stays fresh through a slice: the comparison is of reads, not head polls.
  HEAD_MAX_AGE_MS: '60000',
});
// Throughput: straight to anvil (the counting proxy parses every request: test instrumentation that
// would take CPU from the service on these 2 cores). Costs: a second service behind the proxy.
const service = await startService(
  'service',
  serviceEnv(node.url),
  process.env.BATCH_BENCH_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BATCH_BENCH_PROF}`],
);
const counted = await startService('counted', serviceEnv(proxy.url));
const pool = new Pool(`http://127.0.0.1:${service.port}`, { connections: concurrency, pipelining: 1 });
try {
  for (const mode of MODES) await slice(pool, mode, 500); // warm up
  const samples = new Map<string, SliceResult[]>(MODES.map((m) => [m.name, []]));
  let failures = 0;
  for (let round = 0; round < rounds; round++) {
    for (const mode of MODES) {
      const r = await slice(pool, mode, sliceMs);
      samples.get(mode.name)!.push(r);
      failures += r.failed;
    }
  }
  const med = (name: string, pick: (r: SliceResult) => number) => median(samples.get(name)!.map(pick));
  const single = samples.has('single GET') ? med('single GET', (r) => r.balancesPerSec) : Number.NaN;
  const lines = [
    `| cold balances, concurrency ${concurrency} | balances/s (median of ${rounds}) | vs single GETs | CPU µs per balance: service | anvil | load generator |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const mode of MODES) {
    const m = med(mode.name, (r) => r.balancesPerSec);
    const cpu = (k: keyof SliceResult['cpuPerBalance']) => med(mode.name, (r) => r.cpuPerBalance[k]).toFixed(1);
    lines.push(`| ${mode.name} | ${m.toFixed(0)} | ${(m / single).toFixed(1)}x | ${cpu('service')} | ${cpu('anvil')} | ${cpu('load')} |`);
  }
  const costs = [];
  const countedPool = new Pool(`http://127.0.0.1:${counted.port}`, { connections: concurrency, pipelining: 1 });
  for (const { size } of MODES) costs.push({ size, ...(await upstreamCost(countedPool, proxy, size)) });
  await countedPool.close();
  lines.push('', `| 1,000 cold balances asked ... | upstream HTTP requests | eth_getBalance calls | eth_call (Multicall3) calls | failed requests |`, '|---|---:|---:|---:|---:|');
  for (const c of costs) lines.push(`| ${c.size === 1 ? 'as 1,000 single GETs' : `in batches of ${c.size}`} | ${c.requests} | ${c.calls} | ${c.ethCalls} | ${c.failed} |`);
  lines.push('', `UPSTREAM_BATCH_MAX=${upstreamBatch}; Multicall3 on the chain: ${multicall ? 'yes' : 'no'}; failed requests: ${failures}`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await pool.close();
  await service.stop();
  await counted.stop();
  await proxy.close();
  await node.stop();
}
