/**
 * The codec work of one batch of 1,000 cold addresses (POST /address/balances), inline on the main
 * thread against the piscina pool: EIP-55 checks of every input, then the answer's items (ether
 * string, decimal wei, serialized). Pool rows send the batch as one message per worker. The
 * inline row is the baseline; ratios are items per second against it. What the table cannot show
 * is that inline work blocks the event loop for its whole duration (the p50 column).
 */
import { randomBytes } from 'node:crypto';
import { Piscina } from 'piscina';
import { Bench } from 'tinybench';
import { toChecksum } from '../src/codec/address.js';
import { balanceItems, balancesBody, checkAddresses } from '../src/codec/balances.js';
import { summarizeBench, type BenchRow } from './bench-table.js';

export interface BatchCodecBenchOptions {
  readonly time: number;
  readonly workers: number;
  /** Addresses per batch. */
  readonly size: number;
}

export interface MainThreadCost {
  readonly name: string;
  readonly mainThreadMsPerBatch: number;
  readonly wallMsPerBatch: number;
}

export async function runBatchCodecBench(options: BatchCodecBenchOptions): Promise<{ rows: BenchRow[]; blocking: MainThreadCost[] }> {
  const { size, workers } = options;
  // Fresh checksummed inputs per call: a batch of cold addresses, none memoized.
  const pool = Array.from({ length: 64 }, () => Array.from({ length: size }, () => toChecksum(randomBytes(20).toString('hex'))));
  const weis = Array.from({ length: size }, () => BigInt(`0x${randomBytes(10).toString('hex')}`).toString(10));
  let turn = 0;
  const next = () => pool[turn++ & 63]!;
  const header = { network: 'mainnet', chainId: 1, blockTag: 'latest', blockNumber: '0x10', blockHash: `0x${'ab'.repeat(32)}`, rpcLatencyMs: 1 };

  const piscina = new Piscina({
    filename: new URL('./batch-codec-worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
  });
  const split = <T>(items: readonly T[]): T[][] => {
    const per = Math.ceil(items.length / workers);
    return Array.from({ length: workers }, (_, w) => items.slice(w * per, (w + 1) * per));
  };
  const pooled = async (inputs: string[]) => {
    const checks = (await Promise.all(split(inputs).map((part) => piscina.run({ kind: 'check', inputs: part, mode: 'strict' }, { name: 'run' })))).flat();
    const addresses = checks.map((c: { address: string }) => c.address);
    const parts = split(addresses);
    const items = (
      await Promise.all(parts.map((part, w) => piscina.run({ kind: 'format', addresses: part, weis: weis.slice(w * parts[0]!.length, w * parts[0]!.length + part.length) }, { name: 'run' })))
    ).flat() as string[];
    return balancesBody(header, items);
  };
  const inline = (inputs: string[]) => {
    const addresses = checkAddresses(inputs, 'strict').map((c) => (c as { address: string }).address);
    return balancesBody(header, balanceItems(addresses, weis));
  };
  try {
    await pooled(next()); // start the threads before measuring
    const bench = new Bench({ name: `batch codec: ${size} cold addresses (check + format + serialize)`, time: options.time, warmupTime: Math.min(200, options.time) });
    bench
      .add('inline (main thread)', () => void inline(next()))
      .add(`piscina, ${workers} worker(s), one message each per step`, async () => void (await pooled(next())))
      .add(`inline check only`, () => void checkAddresses(next(), 'strict'))
      .add(`inline format + serialize only`, () => void balancesBody(header, balanceItems(next(), weis)));
    await bench.run();
    const rows = summarizeBench(bench, size, 'inline (main thread)');
    // Main-thread time per batch (event-loop utilization while batches run back to back): what a
    // batch takes away from every other request on the loop.
    const mainThread = async (name: string, once: () => unknown) => {
      const start = performance.eventLoopUtilization();
      const started = performance.now();
      let batches = 0;
      while (performance.now() - started < options.time) {
        await once();
        batches++;
        await new Promise((r) => setImmediate(r));
      }
      const elu = performance.eventLoopUtilization(start);
      return { name, mainThreadMsPerBatch: elu.active / batches, wallMsPerBatch: (performance.now() - started) / batches };
    };
    const blocking = [await mainThread('inline (main thread)', () => inline(next())), await mainThread(`piscina, ${workers} worker(s)`, () => pooled(next()))];
    return { rows, blocking };
  } finally {
    await piscina.close();
  }
}
