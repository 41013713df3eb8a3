/**
 * `npm run bench:verify`: the verification micro-benchmarks (bench/verify.bench.ts), printed as
 * tables and saved to bench/results/verify-<time>.json.
 * Flags: --time ms per task (1000) --workers N (2) --burst N (32) --accounts N (16384) --quick
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderRows } from './bench-table.js';
import { runVerifyBench } from './verify.bench.js';

const { values } = parseArgs({
  options: {
    time: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    burst: { type: 'string', default: '32' },
    accounts: { type: 'string', default: '16384' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const options = {
  time: quick ? 20 : Number(values.time),
  workers: Number(values.workers),
  burst: Number(values.burst),
  accounts: quick ? 256 : Number(values.accounts),
};
const result = await runVerifyBench(options);
for (const rows of [result.keccak, result.header, result.proof, result.single, result.burst]) process.stdout.write(`${renderRows(rows)}\n\n`);
process.stdout.write(`| proof | nodes | bytes |\n|---|---:|---:|\n`);
for (const [name, { nodes, bytes }] of Object.entries(result.proofBytes)) process.stdout.write(`| ${name} | ${nodes} | ${bytes} |\n`);
const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `verify-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ options, result }, null, 2)}\n`);
process.stderr.write(`saved ${file}\n`);
