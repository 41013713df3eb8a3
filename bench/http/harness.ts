/**
 * `npm run bench:http`: anvil, the service, the bare uWS ceiling and the seed's FastAPI peer, side by
 * side in one run. Within a round the targets compared by a ratio take turns (slices of load, and
 * request by request at c=1), ratios are taken within a round,
 * and the table shows the median of the rounds. Results go to bench/results/http-<time>.json.
 *
 * Flags: --rounds N (3) --duration S (5, per target and round) --slices N (5: targets compared by a
 *        ratio take turns in slices of duration/N) --connections C (64) --probe N (1000) --tool wrk|autocannon
 *        --quick (1 round of 1 s, for the smoke test) --no-peer --no-memory
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDevnet, SEED_ADDRESS, startAnvil } from '../../src/dev/local-devnet.js';
import { benchFlags } from '../flags.js';
import { LOAD_FLAGS, quickened } from './load-flags.js';
import { detectTool, probeLatency, runInterleaved, runLoad, type LoadMode, type LoadResult, type SlicedTarget } from './load.js';
import { freePort, peerPython, startCeiling, startedProcesses, startPassthrough, startPeer, startService, type Running, type ServiceInstance } from './processes.js';
import { freshAddress, prefixSequence, rpcBody } from './stats.js';
import { renderTable, summarize, type MemoryResult, type RoundResult } from './report.js';

/** V8 old-space cap for the second memory phase (node --max-old-space-size). */
const HEAP_CAP_MB = 128;

const flags = benchFlags({ ...LOAD_FLAGS, probe: 1000, 'no-peer': false, 'no-memory': false, out: null });
const { quick, rounds, duration, slices, connections } = quickened(flags);
const probeSamples = quick ? 50 : flags.probe;
const tool = detectTool(flags.tool);
const log = (line: string) => process.stderr.write(`${line}\n`);

const nextPrefix = prefixSequence();
const { started, cleanup } = startedProcesses();

try {
  log(`load generator: ${tool}${tool === 'autocannon' ? ' (wrk not installed: install it for a generator that costs the server less CPU)' : ''}`);
  const anvil = await startAnvil({ chainId: 1 });
  started.push({ name: 'anvil', port: anvil.port, child: anvil.process, stop: anvil.stop });
  await seedDevnet(anvil);
  const block = await anvil.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false]);
  const pinned = JSON.stringify({ blockHash: block.hash });

  const serviceEnv = { RPC_URLS: anvil.url, ADDRESS_CHECKSUM: 'lenient', CACHE_MAX_ENTRIES: '100000', PORT: '0' };
  const service = await startService('service', { ...serviceEnv, WORKERS: '0' });
  started.push(service);
  const pooled = await startService('service-workers2', { ...serviceEnv, WORKERS: '2' });
  started.push(pooled);
  // Two processes on one port: uWS listens with SO_REUSEPORT, so the kernel spreads connections.
  // The kernel will not share a port first bound as port 0, so both get an explicit free one.
  const shared = String(await freePort());
  const pairA = await startService('pair-a', { ...serviceEnv, WORKERS: '0', PORT: shared });
  started.push(pairA);
  const pairB = await startService('pair-b', { ...serviceEnv, WORKERS: '0', PORT: shared });
  started.push(pairB);

  const hitPath = `/address/balance/${SEED_ADDRESS}`;
  const hitBody = await (await fetch(`http://127.0.0.1:${service.port}${hitPath}`)).text();
  const ceiling = await startCeiling(hitBody);
  started.push(ceiling);
  const headersCeiling = await startCeiling(hitBody, true);
  started.push(headersCeiling);
  const passthrough = await startPassthrough(anvil.url, pinned);
  started.push(passthrough);

  let peer: Running | undefined;
  let peerSkipped: string | undefined;
  if (flags['no-peer'] === true) peerSkipped = 'disabled with --no-peer';
  else {
    const py = peerPython();
    if ('skipped' in py) peerSkipped = py.skipped;
    else {
      try {
        peer = await startPeer(py.python, anvil.url);
        started.push(peer);
      } catch (error) {
        peerSkipped = `the peer did not start: ${String(error).slice(0, 200)}`;
      }
    }
  }
  if (peerSkipped !== undefined) log(`SKIPPING the FastAPI peer: ${peerSkipped}`);

  const origin = (p: { port: number }) => `http://127.0.0.1:${p.port}`;
  const interleaved = async (labels: readonly string[], targets: readonly SlicedTarget[]): Promise<LoadResult[]> => {
    const results = await runInterleaved(tool, targets, { connections, durationSec: duration, slices });
    results.forEach((result, i) =>
      log(`  ${labels[i]!.padEnd(28)} ${result.rps.toFixed(0).padStart(8)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  errors ${result.errors}`),
    );
    return results;
  };
  const hit: LoadMode = { kind: 'fixed', path: hitPath };
  const freshGet = (): LoadMode => ({ kind: 'fresh-get', prefix: nextPrefix() });
  // Warm every target once (JIT, connection pools, the hot address in each cache).
  for (const target of [ceiling, headersCeiling, service, pooled, pairA, ...(peer === undefined ? [] : [peer])]) {
    await runLoad(tool, { origin: origin(target), mode: hit, connections: 8, durationSec: 1 });
  }
  await runLoad(tool, { origin: origin(service), mode: freshGet(), connections: 8, durationSec: 1 });
  await runLoad(tool, { origin: origin(pooled), mode: freshGet(), connections: 8, durationSec: 1 });

  const results: RoundResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    log(`round ${round}/${rounds}`);
    // Targets compared by a ratio are loaded in alternating slices (see runInterleaved), and the
    // c=1 probes alternate request by request, so drift on this shared VM cancels out.
    const hitTargets = [ceiling, headersCeiling, service, pairA, ...(peer === undefined ? [] : [peer])].map((t) => ({ origin: origin(t), mode: () => hit }));
    const [ceilingHit, headersCeilingHit, serviceHit, pairHit, peerHit] = await interleaved(
      ['uws ceiling (fixed body)', 'uws ceiling + headers/checks', 'service hit', '2 processes hit', 'fastapi peer hit'],
      hitTargets,
    );
    const missTargets = [
      { origin: anvil.url, mode: (): LoadMode => ({ kind: 'fresh-rpc', prefix: nextPrefix(), block: pinned }) },
      ...[service, pooled, pairA, ...(peer === undefined ? [] : [peer])].map((t) => ({ origin: origin(t), mode: freshGet })),
    ];
    const [anvilRaw, serviceMiss, pooledMiss, pairMiss, peerMiss] = await interleaved(
      ['anvil raw eth_getBalance', 'service miss (WORKERS=0)', 'service miss (WORKERS=2)', '2 processes miss', 'fastapi peer miss'],
      missTargets,
    );
    const [anvilProbe, serviceProbe, passthroughProbe] = await probeLatency(
      [
        { origin: anvil.url, request: (i) => ({ method: 'POST', path: '/', body: rpcBody(freshAddress(`p${round}0000000`.slice(0, 8), i), pinned) }) },
        { origin: origin(service), request: (i) => ({ method: 'GET', path: `/address/balance/${freshAddress(`e${round}0000000`.slice(0, 8), i)}` }) },
        { origin: origin(passthrough), request: (i) => ({ method: 'GET', path: `/address/balance/${freshAddress(`f${round}0000000`.slice(0, 8), i)}` }) },
      ],
      probeSamples,
    );
    const r: RoundResult = {
      round,
      ceilingHit: ceilingHit!,
      headersCeilingHit,
      serviceHit: serviceHit!,
      pairHit: pairHit!,
      peerHit,
      anvilRaw: anvilRaw!,
      serviceMiss: serviceMiss!,
      pooledMiss: pooledMiss!,
      pairMiss: pairMiss!,
      peerMiss,
      anvilProbe: anvilProbe!,
      serviceProbe: serviceProbe!,
      passthroughProbe: passthroughProbe!,
    };
    log(`  c=1 p50: anvil ${r.anvilProbe.p50Ms.toFixed(3)} ms, service miss ${r.serviceProbe.p50Ms.toFixed(3)} ms, uWS+undici pass-through ${passthroughProbe!.p50Ms.toFixed(3)} ms`);
    results.push(r);
  }

  // Memory: fresh misses until well past the cache bound, then RSS and cache size from the process.
  // Twice: with Node's default heap sizing, and with the old space capped (how the image runs it).
  let memory: MemoryResult | undefined;
  let memoryCapped: MemoryResult | undefined;
  if (flags['no-memory'] !== true && !quick) {
    const bound = 100_000;
    const fill = async (target: ServiceInstance): Promise<MemoryResult> => {
      // Load in slices until the cache has seen 1.3x its bound in misses (at most 120 s): a rate
      // guessed from the rounds undershoots on a cold process.
      const deadline = Date.now() + 120_000;
      log(`memory (${target.name}): fresh misses until 1.3x CACHE_MAX_ENTRIES=${bound}`);
      while ((await target.report()).cacheStats.misses < bound * 1.3 && Date.now() < deadline) {
        await runLoad(tool, { origin: origin(target), mode: freshGet(), connections, durationSec: 10 });
      }
      const after = await target.report();
      return {
        peakRssMb: after.peakRssMb,
        rssMb: after.rssMb,
        heapUsedMb: after.heapUsedMb,
        cacheSize: after.cacheSize,
        bound,
        evictions: after.cacheStats.evictions,
        misses: after.cacheStats.misses,
      };
    };
    memory = await fill(service);
    const capped = await startService('service-heap-capped', { ...serviceEnv, WORKERS: '0' }, [`--max-old-space-size=${HEAP_CAP_MB}`]);
    started.push(capped);
    memoryCapped = { ...(await fill(capped)), heapCapMb: HEAP_CAP_MB };
  }

  const summary = summarize(results, memory, memoryCapped, { tool, rounds, durationSec: duration, connections, probeSamples, peerSkipped });
  process.stdout.write(`${renderTable(summary)}\n`);
  const outDir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'results');
  mkdirSync(outDir, { recursive: true });
  const file = flags.out ?? join(outDir, `http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ summary, rounds: results }, null, 2)}\n`);
  log(`saved ${file}`);
} finally {
  await cleanup();
}
