/** tinybench results -> rows with per-item cost and a ratio to a baseline task of the same bench. */
import type { Bench } from 'tinybench';

export interface BenchRow {
  readonly bench: string;
  readonly task: string;
  /** Median time of one task call, in microseconds. */
  readonly p50Us: number;
  /** Items per second (a task call may handle several items). */
  readonly itemsPerSec: number;
  /** Microseconds per item. */
  readonly usPerItem: number;
  /** itemsPerSec relative to the baseline task; undefined without one. */
  readonly ratio: number | undefined;
  readonly samples: number;
}

export function summarizeBench(bench: Bench, itemsPerCall: number, baseline?: string): BenchRow[] {
  const rows = bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') {
      throw new Error(`${bench.name}: ${task.name} did not complete (${r.state}${'error' in r ? `: ${String(r.error)}` : ''})`);
    }
    const meanMs = r.latency.mean;
    return {
      bench: bench.name ?? '',
      task: task.name,
      p50Us: (r.latency.p50 ?? meanMs) * 1000,
      itemsPerSec: (itemsPerCall * 1000) / meanMs,
      usPerItem: (meanMs * 1000) / itemsPerCall,
      ratio: undefined as number | undefined,
      samples: r.latency.samplesCount,
    };
  });
  const base = rows.find((row) => row.task === baseline);
  return rows.map((row) => ({ ...row, ratio: base === undefined ? undefined : row.itemsPerSec / base.itemsPerSec }));
}

export function renderRows(rows: readonly BenchRow[]): string {
  const lines = [`| ${rows[0]?.bench ?? ''} | us/item | items/s | vs baseline |`, '|---|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.task} | ${r.usPerItem.toFixed(2)} | ${r.itemsPerSec.toFixed(0)} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`} |`);
  }
  return lines.join('\n');
}
