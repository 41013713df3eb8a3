/**
 * `npm run bench:networks`: the same load on one network and spread over two. Two anvils on
 * different chain ids (mainnet's 1, Base's 8453) behind one service with NETWORKS=mainnet,base;
 * a second service with NETWORKS=mainnet alone is the baseline. Three targets take turns in slices
 * within a round (see runInterleaved): the one-network service, the two-network service asked for
 * mainnet only, and the two-network service with `?network=` alternating mainnet / base request by
 * request. Hits (the seed address, cached on each network) and misses (fresh addresses). Ratios
 * are taken within a round; the table shows their median. The target: spread / one >= 0.9x.
 *
 * Flags: --rounds N (3) --duration S (6, per target and round) --slices N (3) --connections C (64)
 *        --tool wrk|autocannon --quick (1 round of 1 s, for a smoke run)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEED_ADDRESS, seedDevnet, startAnvil } from '../../src/dev/local-devnet.js';
import { benchFlags } from '../flags.js';
import { LOAD_FLAGS, quickened } from './load-flags.js';
import { detectTool, runInterleaved, runLoad, type LoadMode, type LoadResult } from './load.js';
import { startedProcesses, startService } from './processes.js';
import { median, prefixSequence, ratio } from './stats.js';

const flags = benchFlags({ ...LOAD_FLAGS, duration: 6, slices: 3 });
const { rounds, duration, slices, connections } = quickened(flags);
const tool = detectTool(flags.tool);
const log = (line: string) => process.stderr.write(`${line}\n`);

const ONE = ['?network=mainnet'];
const SPREAD = ['?network=mainnet', '?network=base'];
const LABELS = ['one network (NETWORKS=mainnet)', 'two networks, mainnet only', 'two networks, alternating'] as const;

const nextPrefix = prefixSequence();
const { started, cleanup } = startedProcesses();

/** Refuses to measure a service that does not answer each network from its own chain. */
async function checkNetworks(origin: string, expected: Record<string, number>): Promise<void> {
  for (const [network, chainId] of Object.entries(expected)) {
    const res = await fetch(`${origin}/address/balance/${SEED_ADDRESS}?network=${network}`);
    const body = (await res.json()) as { network?: string; chainId?: number };
    if (res.status !== 200 || body.network !== network || body.chainId !== chainId) {
      throw new Error(`${origin} does not serve ${network} (chain ${chainId}): ${res.status} ${JSON.stringify(body)}`);
    }
  }
}

try {
  log(`load generator: ${tool}`);
  const chains = await Promise.all([startAnvil({ chainId: 1 }), startAnvil({ chainId: 8453 })]);
  for (const [i, anvil] of chains.entries()) {
    started.push({ name: `anvil-${i}`, port: anvil.port, child: anvil.process, stop: anvil.stop });
    await seedDevnet(anvil);
  }
  const [mainnet, base] = chains as [(typeof chains)[0], (typeof chains)[0]];
  const common = { ADDRESS_CHECKSUM: 'lenient', CACHE_MAX_ENTRIES: '200000', PORT: '0', WORKERS: '0' };
  const one = await startService('one-network', { ...common, NETWORKS: 'mainnet', RPC_URLS_MAINNET: mainnet.url });
  started.push(one);
  const two = await startService('two-networks', { ...common, NETWORKS: 'mainnet,base', RPC_URLS_MAINNET: mainnet.url, RPC_URLS_BASE: base.url });
  started.push(two);
  const origin = (p: { port: number }) => `http://127.0.0.1:${p.port}`;
  await checkNetworks(origin(one), { mainnet: 1 });
  await checkNetworks(origin(two), { mainnet: 1, base: 8453 });

  const hitPath = `/address/balance/${SEED_ADDRESS}`;
  const targets = (mode: (queries: readonly string[]) => () => LoadMode) => [
    { origin: origin(one), mode: mode(ONE) },
    { origin: origin(two), mode: mode(ONE) },
    { origin: origin(two), mode: mode(SPREAD) },
  ];
  const hit = (queries: readonly string[]) => (): LoadMode => ({ kind: 'fixed', path: hitPath, queries });
  const miss = (queries: readonly string[]) => (): LoadMode => ({ kind: 'fresh-get', prefix: nextPrefix(), queries });
  // Warm both services (JIT, upstream pools, the seed cached on every network).
  for (const target of [...targets(hit), ...targets(miss)]) {
    await runLoad(tool, { origin: target.origin, mode: target.mode(), connections: 8, durationSec: 1 });
  }

  const interleaved = async (kind: string, list: ReturnType<typeof targets>): Promise<LoadResult[]> => {
    const results = await runInterleaved(tool, list, { connections, durationSec: duration, slices });
    results.forEach((r, i) =>
      log(`  ${kind} ${LABELS[i]!.padEnd(32)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}`),
    );
    return results;
  };
  const rows: Array<{ hit: LoadResult[]; miss: LoadResult[] }> = [];
  for (let round = 1; round <= rounds; round++) {
    log(`round ${round}/${rounds}`);
    rows.push({ hit: await interleaved('hit ', targets(hit)), miss: await interleaved('miss', targets(miss)) });
  }

  const values = (pick: (row: (typeof rows)[0]) => number | undefined) => rows.map(pick).filter((v): v is number => v !== undefined);
  /** Median of the per-round ratios, with their range. */
  const ratios = (kind: 'hit' | 'miss', i: number) => {
    const all = values((row) => ratio(row[kind][i]!.rps, row[kind][0]!.rps));
    return { median: median(all), min: Math.min(...all), max: Math.max(...all) };
  };
  const summary = Object.fromEntries(
    (['hit', 'miss'] as const).map((kind) => [
      kind,
      {
        rps: LABELS.map((_, i) => median(values((row) => row[kind][i]!.rps))),
        errors: LABELS.map((_, i) => rows.reduce((n, row) => n + row[kind][i]!.errors, 0)),
        mainnetOnlyOverOne: ratios(kind, 1),
        spreadOverOne: ratios(kind, 2),
      },
    ]),
  );
  const shown = (r: { median: number; min: number; max: number }) => `${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
  const lines = [
    `| median of ${rounds} rounds (${tool}, c=${connections}) | one network | two, mainnet only | two, alternating | mainnet only / one | alternating / one |`,
    '|---|---:|---:|---:|---:|---:|',
    ...(['hit', 'miss'] as const).map((kind) => {
      const s = summary[kind]!;
      const rps = s.rps.map((v) => `${v.toFixed(0)} req/s`).join(' | ');
      return `| ${kind} | ${rps} | ${shown(s.mainnetOnlyOverOne)} | ${shown(s.spreadOverOne)} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const outDir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `networks-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ tool, rounds, durationSec: duration, connections, summary, rows }, null, 2)}\n`);
  log(`saved ${file}`);
} finally {
  await cleanup();
}
