/**
 * `npm run bench:fleet`: what the shared Redis cache saves a fleet, measured in one run.
 *
 * One anvil (mainnet-like 12 s blocks by default) behind a counting fault proxy; one redis-server;
 * two fleets of three service processes on that proxy, one with REDIS_URL and one without, given
 * the same Zipf-distributed load in alternating slices (so drift on a shared machine hits both);
 * then a fourth "green" process with REDIS_URL joins the warm fleet while it is under load, behind
 * its own counting proxy, and its first 1,000 answers are counted against its upstream reads.
 * Last, c=1 probes on the newcomer: in-process hits, in-process misses served from Redis, and
 * misses read upstream, all at one block.
 */
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startAnvil } from '../../src/dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from '../../src/testing/fault-proxy.js';
import { startRedisServer, type RedisServer } from '../../src/testing/redis-server.js';
import { startService, type ServiceInstance } from '../http/processes.js';
import { percentile } from '../http/stats.js';
import { hotSet, mulberry32, zipfSampler } from './zipf.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'block-time': { type: 'string', default: '12' },
    addresses: { type: 'string', default: '2000' },
    zipf: { type: 'string', default: '1.1' },
    connections: { type: 'string', default: '24' },
    slices: { type: 'string', default: '4' },
    'slice-seconds': { type: 'string', default: '15' },
    'green-requests': { type: 'string', default: '1000' },
    probe: { type: 'string', default: '200' },
  },
});
const quick = flags.quick === true;
const blockTime = Number(flags['block-time']);
const addresses = Number(flags.addresses);
const zipfS = Number(flags.zipf);
const connections = Number(flags.connections);
const slices = quick ? 2 : Number(flags.slices);
const sliceSeconds = quick ? 5 : Number(flags['slice-seconds']);
const greenRequests = Number(flags['green-requests']);
const probeSamples = quick ? 50 : Number(flags.probe);
const log = (line: string) => process.stderr.write(`${line}\n`);

const runPrefix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
const hot = hotSet(runPrefix, addresses);

interface Target {
  readonly pool: Pool;
  readonly service: ServiceInstance;
}

interface Tally {
  requests: number;
  errors: number;
  readonly latencies: number[];
}

const newTally = (): Tally => ({ requests: 0, errors: 0, latencies: [] });

async function get(target: Target, address: string, tally: Tally): Promise<string> {
  const start = performance.now();
  const { statusCode, body } = await target.pool.request({ method: 'GET', path: `/address/balance/${address}` });
  const text = await body.text();
  tally.requests++;
  tally.latencies.push(performance.now() - start);
  if (statusCode !== 200) tally.errors++;
  return text;
}

/** Closed loop: `connections` workers, each picking the next process round-robin (as the ALB does). */
async function drive(targets: readonly Target[], seconds: number, seed: number, tally: Tally, stop?: { stopped: boolean }): Promise<void> {
  const sample = zipfSampler(addresses, zipfS, mulberry32(seed));
  const until = performance.now() + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < until && stop?.stopped !== true) {
      const target = targets[next++ % targets.length]!;
      try {
        await get(target, hot[sample()]!, tally);
      } catch {
        tally.requests++;
        tally.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** Sum of the shared-cache metrics over `targets`, as "name=value ..." (non-zero counters only by default). */
async function sharedCounters(targets: readonly Target[], only = /_total/): Promise<string> {
  const totals = new Map<string, number>();
  for (const target of targets) {
    const { body } = await target.pool.request({ method: 'GET', path: '/metrics' });
    for (const line of (await body.text()).split('\n')) {
      const match = /^balance_api_shared_cache_(\w+(?:\{kind="\w+"\})?) (\d+)/.exec(line);
      if (match === null || !only.test(match[1]!)) continue;
      if (match[2] !== '0' || !/_total($|\{)/.test(match[1]!)) totals.set(match[1]!, (totals.get(match[1]!) ?? 0) + Number(match[2]));
    }
  }
  return [...totals].map(([k, v]) => `${k}=${v}`).join(' ');
}

const balanceCalls = (proxy: FaultProxy) => proxy.calls.get('eth_getBalance') ?? 0;

const cleanup: Array<() => Promise<void>> = [];
async function startFleet(name: string, env: Record<string, string>, count: number): Promise<Target[]> {
  const targets: Target[] = [];
  for (let i = 0; i < count; i++) {
    const service = await startService(`${name}-${i}`, env);
    const pool = new Pool(`http://127.0.0.1:${service.port}`, { connections: connections });
    cleanup.push(async () => {
      await pool.close();
      await service.stop();
    });
    targets.push({ service, pool });
  }
  return targets;
}

try {
  log(`fleet bench: ${addresses} addresses, Zipf s=${zipfS}, ${connections} connections, ${blockTime} s blocks, ${slices} x ${sliceSeconds} s slices per fleet`);
  const anvil = await startAnvil({ chainId: 1, args: ['--block-time', String(blockTime)] });
  cleanup.push(() => anvil.stop());
  const proxy = await startFaultProxy(anvil.url);
  cleanup.push(() => proxy.close());
  const redis: RedisServer = await startRedisServer();
  cleanup.push(() => redis.stop());

  const base = { RPC_URLS: proxy.url, ADDRESS_CHECKSUM: 'lenient', WORKERS: '0', PORT: '0', EXPECTED_CHAIN_ID: '1' };
  const withRedisEnv = { ...base, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench-${runPrefix}:` };
  const without = await startFleet('no-redis', base, 3);
  const withRedis = await startFleet('redis', withRedisEnv, 3);

  const groups = { without: { tally: newTally(), calls: 0, seconds: 0 }, with: { tally: newTally(), calls: 0, seconds: 0 } };
  for (let slice = 0; slice < slices; slice++) {
    // Same seed per slice for both fleets: the same sequence of addresses.
    for (const [key, targets] of (slice % 2 === 0 ? [['without', without], ['with', withRedis]] : [['with', withRedis], ['without', without]]) as Array<['without' | 'with', Target[]]>) {
      const before = balanceCalls(proxy);
      const start = performance.now();
      await drive(targets, sliceSeconds, 1000 + slice, groups[key].tally);
      groups[key].seconds += (performance.now() - start) / 1000;
      groups[key].calls += balanceCalls(proxy) - before;
      log(`slice ${slice + 1}/${slices} ${key.padEnd(7)} requests ${groups[key].tally.requests} upstream eth_getBalance ${groups[key].calls}`);
    }
  }

  // What the shared level did in the Redis fleet (a busy machine shows up as timeouts here).
  log(`shared cache counters, Redis fleet: ${await sharedCounters(withRedis)}`);

  // The green task: its own counting proxy, so its upstream reads are its own.
  const greenProxy = await startFaultProxy(anvil.url);
  cleanup.push(() => greenProxy.close());
  const [green] = await startFleet('green', { ...withRedisEnv, RPC_URLS: greenProxy.url }, 1);
  // The ALB sends a new task traffic only after its health checks pass (seconds after start); by
  // then its Redis connection is up. Wait for that here rather than count a connect as a miss.
  for (let i = 0; i < 100 && !(await sharedCounters([green!], /connected/)).includes('connected=1'); i++) await new Promise((r) => setTimeout(r, 100));
  const fleetLoad = { stopped: false };
  const fleetTally = newTally();
  const loading = drive(withRedis, 3600, 99, fleetTally, fleetLoad);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const greenTally = newTally();
  const greenSample = zipfSampler(addresses, zipfS, mulberry32(4242));
  const greenBefore = balanceCalls(greenProxy);
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < greenRequests) {
        sent++;
        await get(green!, hot[greenSample()]!, greenTally);
      }
    }),
  );
  const greenReads = balanceCalls(greenProxy) - greenBefore;
  log(`shared cache counters, green: ${await sharedCounters([green!])}`);
  fleetLoad.stopped = true;
  await loading;

  // c=1 probes on the newcomer, at one block: fill Redis through a fleet member, then ask green.
  const probeSet = hotSet(`feed${runPrefix.slice(0, 4)}`, probeSamples);
  const blockOf = (body: string) => (JSON.parse(body) as { headBlockNumber?: string }).headBlockNumber;
  const probe = async (set: readonly string[], target: Target) => {
    const tally = newTally();
    const blocks = new Set<string | undefined>();
    for (const address of set) blocks.add(blockOf(await get(target, address, tally)));
    return { tally, blocks };
  };
  let probes: { fromRedis: Tally; inProcess: Tally; upstream: Tally; blocks: number } | undefined;
  for (let attempt = 0; attempt < 5 && probes === undefined; attempt++) {
    // Start right after a new block so the whole probe fits in one.
    const first = blockOf(await get(withRedis[0]!, hot[0]!, newTally()));
    while (blockOf(await get(withRedis[0]!, hot[0]!, newTally())) === first) await new Promise((r) => setTimeout(r, 50));
    const filled = await probe(probeSet, withRedis[0]!);
    await new Promise((r) => setTimeout(r, 100)); // fills are written off the response's path
    const fromRedis = await probe(probeSet, green!);
    const inProcess = await probe(probeSet, green!);
    const upstream = await probe(hotSet(`cafe${attempt}${runPrefix.slice(0, 3)}`, probeSamples), green!);
    const blocks = new Set([...filled.blocks, ...fromRedis.blocks, ...inProcess.blocks, ...upstream.blocks]);
    if (blocks.size === 1) probes = { fromRedis: fromRedis.tally, inProcess: inProcess.tally, upstream: upstream.tally, blocks: blocks.size };
    else log(`probe crossed a block (${[...blocks].join(', ')}); again`);
  }

  const per1000 = (g: { tally: Tally; calls: number }) => (g.calls / g.tally.requests) * 1000;
  const rps = (g: { tally: Tally; seconds: number }) => g.tally.requests / g.seconds;
  const p50 = (t: Tally) => percentile([...t.latencies].sort((a, b) => a - b), 50);
  const rows: Array<[string, string, string, string]> = [
    ['upstream eth_getBalance per 1,000 requests', per1000(groups.without).toFixed(1), per1000(groups.with).toFixed(1), `${(per1000(groups.with) / per1000(groups.without)).toFixed(3)}x (target <= 0.4x)`],
    ['throughput, requests/s (3 processes)', rps(groups.without).toFixed(0), rps(groups.with).toFixed(0), `${(rps(groups.with) / rps(groups.without)).toFixed(3)}x (target >= 0.9x)`],
    ['non-200 answers', String(groups.without.tally.errors), String(groups.with.tally.errors), ''],
    ['green newcomer: first answers served without an upstream read', '', `${greenRequests - greenReads} / ${greenRequests}`, `${((greenRequests - greenReads) / greenRequests).toFixed(3)} (target >= 0.95)`],
  ];
  if (probes !== undefined) {
    const added = p50(probes.fromRedis) - p50(probes.inProcess);
    rows.push(
      ['c=1 p50 on the newcomer, in-process hit (ms)', '', p50(probes.inProcess).toFixed(3), ''],
      ['c=1 p50, in-process miss served from Redis (ms)', '', p50(probes.fromRedis).toFixed(3), `+${added.toFixed(3)} ms over a hit`],
      ['c=1 p50, miss read upstream (anvil, ms)', '', p50(probes.upstream).toFixed(3), `Redis saves ${(p50(probes.upstream) - p50(probes.fromRedis)).toFixed(3)} ms`],
    );
  } else {
    rows.push(['c=1 probes', '', 'every attempt crossed a block', '']);
  }
  const out = [
    `| ${addresses} addresses, Zipf s=${zipfS}, ${connections} connections, ${blockTime} s blocks | without REDIS_URL | with REDIS_URL | ratio |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  process.stdout.write(`${out}\n`);
  log(`green: ${greenTally.requests} requests, ${greenTally.errors} non-200; fleet during green: ${fleetTally.requests} requests, ${fleetTally.errors} non-200`);
} finally {
  for (const stop of cleanup.reverse()) await stop().catch(() => {});
}
