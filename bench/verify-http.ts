/**
 * `npm run bench:verify-http`: what verification costs over HTTP, verified vs unverified in one run.
 * Two service processes over the same three anvil nodes, one with VERIFY_PROOFS=off, one with on:
 * - misses (fresh addresses): throughput in alternating slices (ratio verified/unverified, target
 *   >= 0.5x) and p50 at concurrency 1 (request by request, paired);
 * - hits (one address again and again): throughput in alternating slices (target: the same);
 * - proof bytes per read: the size of the eth_getProof answers the verified service read.
 * Flags: --seconds per phase (10) --connections (16) --samples c=1 (300) --slices (5)
 * Run under flock /work/coord/bench.lock (one benchmark at a time on this machine).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, WATCHED } from '../src/testing/anvil-cluster.js';
import { startFaultProxy } from '../src/testing/fault-proxy.js';
import { benchFlags } from './flags.js';
import { detectTool, probeLatency, runInterleaved, type LoadMode } from './http/load.js';
import { startService } from './http/processes.js';
import { freshAddress, ratio } from './http/stats.js';

const flags = benchFlags({ seconds: 10, connections: 16, samples: 300, slices: 5, tool: null });
const { seconds, connections, samples, slices } = flags;
const tool = detectTool(flags.tool);
const log = (line: string) => process.stderr.write(`${line}\n`);

const cluster = await startCluster({ synced: 3 });
// Proxies only to count proof bytes; they pass every call through.
const proxies = await Promise.all(cluster.synced.map((n) => startFaultProxy(n.url)));
const env = {
  RPC_URLS: proxies.map((p, i) => `${'abc'[i]}=${p.url}`).join(','),
  EXPECTED_CHAIN_ID: String(cluster.chainId),
  ADDRESS_CHECKSUM: 'lenient',
  CACHE_MAX_ENTRIES: '1000000',
  PORT: '0',
};
const plain = await startService('unverified', { ...env, VERIFY_PROOFS: 'off' });
const verified = await startService('verified', { ...env, VERIFY_PROOFS: 'on' });
const origin = (port: number) => `http://127.0.0.1:${port}`;
let prefixes = 0;
const nextPrefix = () => (0x10000000 + prefixes++).toString(16).slice(0, 8);

try {
  const start = Date.now();
  log(`load tool: ${tool}; phases of ${seconds} s in ${slices} slices, ${connections} connections`);
  const misses = await runInterleaved(
    tool,
    [
      { origin: origin(plain.port), mode: (): LoadMode => ({ kind: 'fresh-get', prefix: nextPrefix() }) },
      { origin: origin(verified.port), mode: (): LoadMode => ({ kind: 'fresh-get', prefix: nextPrefix() }) },
    ],
    { connections, durationSec: seconds, slices },
  );
  const probePrefix = [nextPrefix(), nextPrefix()];
  const [plainProbe, verifiedProbe] = await probeLatency(
    [
      { origin: origin(plain.port), request: (i) => ({ method: 'GET', path: `/address/balance/${freshAddress(probePrefix[0]!, i)}` }) },
      { origin: origin(verified.port), request: (i) => ({ method: 'GET', path: `/address/balance/${freshAddress(probePrefix[1]!, i)}` }) },
    ],
    samples,
  );
  const hitPath = `/address/balance/${WATCHED[0]}`;
  const hits = await runInterleaved(
    tool,
    [
      { origin: origin(plain.port), mode: (): LoadMode => ({ kind: 'fixed', path: hitPath }) },
      { origin: origin(verified.port), mode: (): LoadMode => ({ kind: 'fixed', path: hitPath }) },
    ],
    { connections, durationSec: seconds, slices },
  );
  // Proof bytes: one proof of a funded and of an absent account, as the service reads them.
  const head = await cluster.synced[0]!.rpc<{ hash: string }>('eth_getBlockByNumber', ['latest', false]);
  const proofBytes = async (address: string) => {
    const proof = await cluster.synced[0]!.rpc<{ accountProof: string[] }>('eth_getProof', [address, [], { blockHash: head.hash }]);
    return { nodes: proof.accountProof.length, bytes: proof.accountProof.reduce((n, node) => n + (node.length - 2) / 2, 0), json: JSON.stringify(proof).length };
  };
  const result = {
    tool,
    seconds,
    connections,
    samples,
    misses: { unverified: misses[0]!, verified: misses[1]!, ratio: ratio(misses[1]!.rps, misses[0]!.rps) },
    missC1: { unverified: plainProbe!, verified: verifiedProbe!, addedP50Ms: verifiedProbe!.p50Ms - plainProbe!.p50Ms },
    hits: { unverified: hits[0]!, verified: hits[1]!, ratio: ratio(hits[1]!.rps, hits[0]!.rps) },
    proofBytes: { funded: await proofBytes(WATCHED[0]!), absent: await proofBytes(freshAddress(nextPrefix(), 1)) },
    elapsedSec: (Date.now() - start) / 1000,
  };
  const f = (n: number | undefined, d = 2) => (n === undefined ? 'n/a' : n.toFixed(d));
  process.stdout.write(
    [
      '| verified vs unverified | unverified | verified | ratio |',
      '|---|---:|---:|---:|',
      `| miss throughput (req/s, c=${connections}) | ${f(result.misses.unverified.rps, 0)} | ${f(result.misses.verified.rps, 0)} | ${f(result.misses.ratio)}x |`,
      `| miss p50 at c=1 (ms) | ${f(plainProbe!.p50Ms, 3)} | ${f(verifiedProbe!.p50Ms, 3)} | +${f(result.missC1.addedP50Ms, 3)} ms |`,
      `| hit throughput (req/s, c=${connections}) | ${f(result.hits.unverified.rps, 0)} | ${f(result.hits.verified.rps, 0)} | ${f(result.hits.ratio)}x |`,
      `| errors (miss, hit) | ${result.misses.unverified.errors}, ${result.hits.unverified.errors} | ${result.misses.verified.errors}, ${result.hits.verified.errors} | |`,
      `| proof per read (funded / absent account on anvil) | | ${result.proofBytes.funded.bytes} B in ${result.proofBytes.funded.nodes} nodes / ${result.proofBytes.absent.bytes} B in ${result.proofBytes.absent.nodes} nodes | |`,
      '',
    ].join('\n'),
  );
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `verify-http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`saved ${file}`);
} finally {
  await Promise.allSettled([plain.stop(), verified.stop()]);
  await Promise.all(proxies.map((p) => p.close()));
  await cluster.stop();
}
