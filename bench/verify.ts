/**
 * `npm run bench:verify`: the verification micro-benchmarks (bench/verify.bench.ts), printed as
 * tables and saved to bench/results/verify-<time>.json.
 * Flags: --time ms per task (1000) --workers N (2) --burst N (32) --accounts N (16384) --quick
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRows } from './bench-table.js';
import { benchFlags } from './flags.js';
import { runVerifyBench } from './verify.bench.js';

const flags = benchFlags({ time: 1000, workers: 2, burst: 32, accounts: 16384, quick: false });
const options = { time: flags.quick ? 20 : flags.time, workers: flags.workers, burst: flags.burst, accounts: flags.quick ? 256 : flags.accounts };
const result = await runVerifyBench(options);
for (const rows of [result.keccak, result.header, result.proof, result.single, result.burst]) process.stdout.write(`${renderRows(rows)}\n\n`);
process.stdout.write(`| proof | nodes | bytes |\n|---|---:|---:|\n`);
for (const [name, { nodes, bytes }] of Object.entries(result.proofBytes)) process.stdout.write(`| ${name} | ${nodes} | ${bytes} |\n`);
const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `verify-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ options, result }, null, 2)}\n`);
process.stderr.write(`saved ${file}\n`);
