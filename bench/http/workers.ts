/**
 * `npm run bench:workers`: what the worker pool buys the cache-hit path. Cache hits at a steady
 * rate, with and without background load of cold 1,000-address batches (POST /address/balances)
 * and verified reads (?verify=true), against the service inline (WORKERS=0) and with the pool
 * (WORKERS=--workers), all four in one run: the configurations take turns in slices, in a rotated
 * order each round, so a slow spell on this shared VM hits them alike. Medians of the rounds.
 *
 * The hits and the background load each come from their own process (load-client.ts), open loop
 * at a fixed rate. The chain is anvil with mainnet's id, Multicall3, and --funded addresses with
 * non-zero balances that the background load walks through; a block is mined before each slice, so
 * each is cold again (every batch and verified read does the full work: checks, reads, formatting,
 * proofs). --funded must exceed what a slice asks for (batch-rate x batch-size x slice seconds);
 * more accounts make every proof anvil builds slower (it walks its whole state), which takes CPU
 * from the service on a 2-core host. Results go to bench/results/workers-<time>.json.
 *
 *   npm run bench:workers -- [--rounds 5] [--slice 5] [--hit-rate 4000] [--connections 32]
 *     [--batch-rate 2] [--verify-rate 100] [--workers 2] [--funded 12000] [--quick]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toChecksum } from '../../src/codec/address.js';
import { poolSize } from '../../src/codec/codec-pool.js';
import { seedDevnet, SEED_ADDRESS, startAnvil } from '../../src/dev/local-devnet.js';
import { deployMulticall3 } from '../../src/testing/multicall3.js';
import type { LoadClientJob, LoadClientReport } from './load-client.js';
import { startService, type ServiceInstance } from './processes.js';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    slice: { type: 'string', default: '5' },
    'hit-rate': { type: 'string', default: '4000' },
    connections: { type: 'string', default: '32' },
    'batch-rate': { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '1000' },
    'verify-rate': { type: 'string', default: '100' },
    workers: { type: 'string', default: '2' },
    funded: { type: 'string', default: '12000' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const quick = flags.quick === true;
const rounds = quick ? 1 : Number(flags.rounds);
const sliceMs = (quick ? 1 : Number(flags.slice)) * 1000;
const hitRate = Number(flags['hit-rate']);
const connections = Number(flags.connections);
const batchRate = Number(flags['batch-rate']);
const batchSize = Number(flags['batch-size']);
const verifyRate = Number(flags['verify-rate']);
const workers = Number(flags.workers);
const funded = quick ? 8000 : Number(flags.funded);
const log = (line: string) => process.stderr.write(`${line}\n`);
const here = dirname(fileURLToPath(import.meta.url));

/** A load-client.ts process; `run` sends a job and resolves with its report. */
function startClient(): { child: ChildProcess; run(job: LoadClientJob): Promise<LoadClientReport>; stop(): void } {
  const child = fork(join(here, 'load-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    child,
    run: (job) =>
      new Promise((resolve) => {
        child.once('message', (report: LoadClientReport) => resolve(report));
        child.send(job);
      }),
    stop: () => child.send('stop'),
  };
}

interface Config {
  readonly name: string;
  readonly service: ServiceInstance;
  readonly loaded: boolean;
}

interface Sample {
  readonly hits: LoadClientReport;
  readonly background: LoadClientReport | undefined;
}

const anvil = await startAnvil({ chainId: 1 });
const hitClient = startClient();
const bgClient = startClient();
const services: ServiceInstance[] = [];
try {
  await deployMulticall3(anvil);
  await seedDevnet(anvil);
  // Funded addresses with balances of every size, set in JSON-RPC batches.
  const addresses = Array.from({ length: funded }, () => toChecksum(randomBytes(20).toString('hex')));
  for (let i = 0; i < addresses.length; i += 500) {
    const body = addresses.slice(i, i + 500).map((a, j) => ({
      jsonrpc: '2.0',
      id: j,
      method: 'anvil_setBalance',
      params: [a, `0x${(BigInt(`0x${randomBytes(1 + ((i + j) % 12)).toString('hex')}`) + 1n).toString(16)}`],
    }));
    const res = await fetch(anvil.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`anvil_setBalance: HTTP ${res.status}`);
  }
  await anvil.rpc('anvil_mine', ['0x1']);
  const env = { RPC_URLS: `anvil=${anvil.url}`, EXPECTED_CHAIN_ID: '1', PORT: '0', CACHE_TTL_SECONDS: '60', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' };
  const inline = await startService('inline', { ...env, WORKERS: '0' });
  services.push(inline);
  const pooled = await startService('pool', { ...env, WORKERS: String(workers) });
  services.push(pooled);
  const threads = poolSize(workers);
  log(`cores ${availableParallelism()}, WORKERS=${workers} -> ${threads} worker thread(s); hits ${hitRate}/s over ${connections} connections; background ${batchRate} batches of ${batchSize}/s + ${verifyRate} verified reads/s`);

  const hitPath = `/address/balance/${SEED_ADDRESS}`;
  const origin = (s: ServiceInstance) => `http://127.0.0.1:${s.port}`;
  const slice = async (config: Config, ms: number): Promise<Sample> => {
    // A new block before every slice, none during it: every funded address is cold again (answers
    // at latest are cached per head), and no proof read races a block (anvil then answered proofs
    // that did not match the pinned block's state root). The service learns the block once its head
    // is older than HEAD_MAX_AGE_MS (1 s); the GET after that re-reads the hot address.
    await anvil.rpc('anvil_mine', ['0x1']);
    await new Promise((r) => setTimeout(r, 1100));
    await fetch(origin(config.service) + hitPath).then((res) => res.text());
    const bg = config.loaded
      ? bgClient.run({ kind: 'background', origin: origin(config.service), addresses, batchSize, batchRate, verifyRate, maxInFlight: 4 })
      : undefined;
    // Let the background load reach its rate before the hits are counted.
    if (bg !== undefined) await new Promise((r) => setTimeout(r, 500));
    const hits = await hitClient.run({ kind: 'hits', origin: origin(config.service), path: hitPath, connections, rate: hitRate, durationMs: ms });
    if (bg !== undefined) bgClient.stop();
    return { hits, background: await bg };
  };
  const configs: Config[] = [
    { name: 'inline (WORKERS=0), hits only', service: inline, loaded: false },
    { name: `pool (WORKERS=${workers}), hits only`, service: pooled, loaded: false },
    { name: 'inline (WORKERS=0), + background', service: inline, loaded: true },
    { name: `pool (WORKERS=${workers}), + background`, service: pooled, loaded: true },
  ];
  log('warm-up');
  for (const config of configs) await slice(config, 1000);

  const samples = new Map<string, Sample[]>(configs.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
    for (const config of order) {
      const s = await slice(config, sliceMs);
      samples.get(config.name)!.push(s);
      const bg = s.background;
      log(
        `  round ${round + 1} ${config.name.padEnd(36)} hits ${(s.hits.ok / s.hits.seconds).toFixed(0)}/s p50 ${s.hits.p50Ms.toFixed(3)} p99 ${s.hits.p99Ms.toFixed(3)} ms errors ${s.hits.errors}` +
          (bg === undefined ? '' : `; background ${(bg.batches! / bg.seconds).toFixed(1)} batches/s, ${(bg.verified! / bg.seconds).toFixed(0)} verified/s, errors ${bg.errors}, skipped ${bg.skipped}`),
      );
    }
  }

  const summary = configs.map((c) => {
    const list = samples.get(c.name)!;
    const bgs = list.map((s) => s.background).filter((b): b is LoadClientReport => b !== undefined);
    return {
      name: c.name,
      hitP50Ms: median(list.map((s) => s.hits.p50Ms)),
      hitP99Ms: median(list.map((s) => s.hits.p99Ms)),
      hitsPerSec: median(list.map((s) => s.hits.ok / s.hits.seconds)),
      hitErrors: list.reduce((n, s) => n + s.hits.errors, 0),
      batchesPerSec: bgs.length === 0 ? undefined : median(bgs.map((b) => b.batches! / b.seconds)),
      verifiedPerSec: bgs.length === 0 ? undefined : median(bgs.map((b) => b.verified! / b.seconds)),
      backgroundP50Ms: bgs.length === 0 ? undefined : median(bgs.map((b) => b.p50Ms)),
      backgroundErrors: bgs.reduce((n, b) => n + b.errors, 0),
      backgroundSkipped: bgs.reduce((n, b) => n + b.skipped, 0),
    };
  });
  const p99 = (name: string) => summary.find((s) => s.name === name)!.hitP99Ms;
  // The same ratio within each round (the four slices of a round are next to each other in time).
  const perRound = (loaded: Config, idle: Config) =>
    samples.get(loaded.name)!.map((s, r) => s.hits.p99Ms / samples.get(idle.name)![r]!.hits.p99Ms);
  const show = (ratios: number[]) => `median ${median(ratios).toFixed(2)}x (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`;
  const lines = [
    `| ${rounds} rounds x ${sliceMs / 1000} s, hits at ${hitRate}/s, c=${connections} | hit p50 ms | hit p99 ms | hits/s | batches/s | verified/s | background p50 ms | errors (hits / background) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.map(
      (s) =>
        `| ${s.name} | ${s.hitP50Ms.toFixed(3)} | ${s.hitP99Ms.toFixed(3)} | ${s.hitsPerSec.toFixed(0)} | ${s.batchesPerSec?.toFixed(1) ?? ''} | ${s.verifiedPerSec?.toFixed(0) ?? ''} | ${s.backgroundP50Ms?.toFixed(1) ?? ''} | ${s.hitErrors} / ${s.backgroundErrors} |`,
    ),
    '',
    `hit p99 under background / without: inline ${(p99(configs[2]!.name) / p99(configs[0]!.name)).toFixed(2)}x, pool ${(p99(configs[3]!.name) / p99(configs[1]!.name)).toFixed(2)}x (target <= 2x)`,
    `under background, pool / inline hit p99: ${(p99(configs[3]!.name) / p99(configs[2]!.name)).toFixed(2)}x`,
    `per round, hit p99 under background / without: inline ${show(perRound(configs[2]!, configs[0]!))}; pool ${show(perRound(configs[3]!, configs[1]!))}`,
    `per round, under background, pool / inline hit p99: ${show(perRound(configs[3]!, configs[2]!))}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const outDir = join(dirname(here), 'results');
  mkdirSync(outDir, { recursive: true });
  const file = flags.out ?? join(outDir, `workers-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const settings = { rounds, sliceMs, hitRate, connections, batchRate, batchSize, verifyRate, workers, threads, funded, cores: availableParallelism() };
  writeFileSync(file, `${JSON.stringify({ settings, summary, samples: Object.fromEntries(samples) }, null, 2)}\n`);
  log(`saved ${file}`);
} finally {
  hitClient.child.kill();
  bgClient.child.kill();
  await Promise.allSettled(services.map((s) => s.stop()));
  await anvil.stop();
}
