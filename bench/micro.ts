/**
 * `npm run bench`: the tinybench micro-benchmarks (codec inline vs pooled vs batched, cache,
 * provider scoring, and call withdrawal: AbortController vs Cancel), printed as tables and saved to bench/results/micro-<time>.json.
 * Flags: --time ms per task (1000) --workers N (2) --burst N (64) --quick
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderRows, type BenchRow } from './bench-table.js';
import { runCacheBench } from './cache.bench.js';
import { runCancelBench } from './cancel.bench.js';
import { runBatchCodecBench } from './batch-codec.bench.js';
import { runCodecBench } from './codec.bench.js';
import { runScoringBench } from './scoring.bench.js';

const { values } = parseArgs({
  options: {
    time: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '2' },
    burst: { type: 'string', default: '64' },
    quick: { type: 'boolean', default: false },
  },
});
const time = values.quick === true ? 20 : Number(values.time);
const results: Record<string, BenchRow[]> = {};

const codec = await runCodecBench({ time, workers: Number(values.workers), burst: Number(values.burst) });
results.codecItems = codec.items;
results.codecBursts = codec.bursts;
const batchCodec = await runBatchCodecBench({ time, workers: Number(values.workers), size: 1000 });
results.batchCodec = batchCodec.rows;
process.stdout.write(`batch codec, main-thread ms per batch of 1000: ${batchCodec.blocking.map((b) => `${b.name} ${b.mainThreadMsPerBatch.toFixed(2)} (wall ${b.wallMsPerBatch.toFixed(2)})`).join('; ')}\n`);
results.cache = await runCacheBench({ time, entries: values.quick === true ? 1000 : 100_000 });
results.scoring = await runScoringBench({ time, providers: 4 });
results.cancel = await runCancelBench({ time });

for (const rows of Object.values(results)) process.stdout.write(`${renderRows(rows)}\n\n`);
const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `micro-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ time, workers: Number(values.workers), burst: Number(values.burst), results }, null, 2)}\n`);
process.stderr.write(`saved ${file}\n`);
