/**
 * What withdrawing calls costs per miss: the pattern a read follows (a deadline, one call, a
 * listener added and removed on each), with AbortController/AbortSignal as the baseline and the
 * router's Cancel (src/chain/cancel.ts). Nothing is cancelled: the common case is a read that
 * simply succeeds.
 */
import { Bench } from 'tinybench';
import { Cancel } from '../src/chain/cancel.js';
import { summarizeBench, type BenchRow } from './bench-table.js';

const noop = () => {};
const BASELINE = 'AbortController + addEventListener/removeEventListener (baseline)';

export async function runCancelBench(options: { readonly time: number }): Promise<BenchRow[]> {
  const bench = new Bench({ name: 'withdrawal plumbing for one read (deadline + call, one listener each)', time: options.time, warmupTime: Math.min(100, options.time) });
  bench
    .add(BASELINE, () => {
      const deadline = new AbortController();
      const call = new AbortController();
      const onDeadline = () => call.abort('deadline');
      deadline.signal.addEventListener('abort', onDeadline, { once: true });
      call.signal.addEventListener('abort', noop, { once: true });
      call.signal.removeEventListener('abort', noop);
      deadline.signal.removeEventListener('abort', onDeadline);
    })
    .add('Cancel + onCancel/forget', () => {
      const deadline = new Cancel();
      const call = new Cancel();
      const forgetDeadline = deadline.onCancel(() => call.cancel('deadline'));
      const forgetCall = call.onCancel(noop);
      forgetCall();
      forgetDeadline();
    });
  await bench.run();
  return summarizeBench(bench, 1, BASELINE);
}
