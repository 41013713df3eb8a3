/**
 * Cache micro-benchmarks: a hit (the hot path's only cache work), a store into a full cache (an
 * eviction per store), a coalesced load, and the address memo a hit consults first.
 */
import { Bench } from 'tinybench';
import type { Head } from '../src/chain/head.js';
import { BalanceCache } from '../src/cache/balance-cache.js';
import { AddressMemo } from '../src/codec/address.js';
import { summarizeBench, type BenchRow } from './bench-table.js';

export interface CacheBenchOptions {
  readonly time: number;
  readonly entries: number;
}

const head: Head = { number: 1n, hash: `0x${'ab'.repeat(32)}`, numberHex: '0x1' };

export async function runCacheBench(options: CacheBenchOptions): Promise<BenchRow[]> {
  const keys = Array.from({ length: options.entries }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
  const body = Buffer.alloc(193, 'x');
  const full = new BalanceCache(3600, options.entries);
  for (const key of keys) full.set(key, head, body);
  const memo = new AddressMemo('lenient', options.entries);
  for (const key of keys) memo.check(key);
  const pending = Promise.resolve(body);
  let i = 0;
  let fresh = 0;
  const bench = new Bench({ name: `cache at ${options.entries} entries`, time: options.time, warmupTime: Math.min(100, options.time) });
  bench
    .add('get: hit (hot path)', () => void full.get(keys[i++ % keys.length]!, head))
    .add('get: miss', () => void full.get(`0xmiss${i++}`, head))
    .add('set into a full cache (evicts one)', () => full.set(`0xnew${fresh++}`, head, body))
    .add('load: coalesced onto one in-flight read', () => {
      const key = `0xflight${i++ & 1023}`;
      void full.load(key, head, () => pending);
    })
    .add('address memo: get (hit)', () => void memo.get(keys[i++ % keys.length]!));
  await bench.run();
  if (full.size > options.entries) throw new Error(`cache grew past its bound: ${full.size} > ${options.entries}`);
  return summarizeBench(bench, 1, 'get: hit (hot path)');
}
