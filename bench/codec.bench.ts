/**
 * Codec micro-benchmarks: the per-item cost of EIP-55 checks and body formatting, then a burst of
 * cold-address checks run three ways side by side: inline on the main thread, one piscina message
 * per task, and micro-batched per event-loop turn (what WORKERS=N does). Ratios are to inline.
 */
import { randomBytes } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { formatEther, getAddress } from 'ethers';
import { Bench } from 'tinybench';
import { checkAddress, toChecksum } from '../src/codec/address.js';
import type { CodecRunner } from '../src/codec/codec-pool.js';
import { InlineCodec, PooledCodec } from '../src/codec/codec-pool.js';
import { balanceBody, weiToEther } from '../src/codec/format.js';
import type { CodecTask } from '../src/codec/batch.js';
import { summarizeBench, type BenchRow } from './bench-table.js';

export interface CodecBenchOptions {
  /** Milliseconds per task. */
  readonly time: number;
  readonly workers: number;
  /** Tasks per burst: the cold misses one event-loop turn might carry. */
  readonly burst: number;
}

const ADDRESSES = Array.from({ length: 4096 }, () => randomBytes(20).toString('hex'));

export async function runCodecBench(options: CodecBenchOptions): Promise<{ items: BenchRow[]; bursts: BenchRow[] }> {
  let i = 0;
  const nextLower = () => ADDRESSES[i++ & 4095]!;
  const wei = 123_456_789_012_345_678_901n;
  const ascii = new TextEncoder();

  const items = new Bench({ name: 'codec: one item', time: options.time, warmupTime: Math.min(100, options.time) });
  items
    .add('EIP-55 toChecksum (hash-wasm keccak, ours)', () => void toChecksum(nextLower()))
    .add('keccak of the 40 ASCII digits, @noble/hashes (the previous choice)', () => void keccak_256(ascii.encode(nextLower())))
    .add('EIP-55 ethers.getAddress (the seed-style call)', () => void getAddress(`0x${nextLower()}`))
    .add('checkAddress, lowercase input', () => void checkAddress(`0x${nextLower()}`, 'lenient'))
    .add('weiToEther (Intl.NumberFormat, ours)', () => void weiToEther(wei))
    .add('ethers.formatEther (the previous choice)', () => void formatEther(wei))
    .add('format body: balanceBody + JSON.stringify', () =>
      void JSON.stringify(balanceBody('0xc94770007dda54cF92009BFF0dE90c06F603a09f', { name: 'mainnet', chainId: 1 }, wei, 1.234, { tag: 'latest', number: '0x1234', hash: `0x${'ab'.repeat(32)}` })),
    );
  await items.run();

  const inline = new InlineCodec();
  const perRequest = new PooledCodec(options.workers, 256, false);
  const batched = new PooledCodec(options.workers);
  const burst = (codec: CodecRunner) => () => {
    const tasks: Promise<unknown>[] = [];
    for (let k = 0; k < options.burst; k++) {
      const task: CodecTask = { kind: 'check', input: `0x${nextLower()}`, mode: 'lenient' };
      tasks.push(codec.run(task));
    }
    return Promise.all(tasks).then(() => undefined);
  };
  // The same burst with slower inline work (ethers.getAddress), the seed's kind of code.
  const slowInline = () => {
    const tasks: Promise<unknown>[] = [];
    for (let k = 0; k < options.burst; k++) tasks.push(Promise.resolve(getAddress(`0x${nextLower()}`)));
    return Promise.all(tasks).then(() => undefined);
  };
  try {
    // Start the workers before measuring: the first message would otherwise pay for thread start.
    await Promise.all([burst(perRequest)(), burst(batched)()]);
    const bursts = new Bench({ name: `codec: burst of ${options.burst} cold checks`, time: options.time, warmupTime: Math.min(200, options.time) });
    bursts
      .add('inline (WORKERS=0)', burst(inline))
      .add(`per-request pool (${options.workers} workers, 1 message per task)`, burst(perRequest))
      .add(`batched pool (WORKERS=${options.workers}, 1 message per turn)`, burst(batched))
      .add('inline, ethers.getAddress (slow inline code)', slowInline);
    await bursts.run();
    return { items: summarizeBench(items, 1), bursts: summarizeBench(bursts, options.burst, 'inline (WORKERS=0)') };
  } finally {
    await Promise.all([perRequest.close(), batched.close()]);
  }
}
