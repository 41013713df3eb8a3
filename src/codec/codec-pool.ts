/**
 * The heavy CPU work of a request, inline or on a piscina pool. A thread hop costs the main thread
 * less than the work only for big jobs, so the pool takes: the address checks and the items of a
 * batch past POOL_MIN_BATCH addresses (split over the workers), and account proof checks (~50-160 us
 * each, micro-batched per event-loop turn). Smaller work stays inline either way. Measured by
 * `npm run bench:workers` (cache-hit latency under that background load, inline vs pool).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ChecksumMode } from '../config/config.js';
import type { ProofTask, ProofTaskResult } from '../verify/proof-task.js';
import type { AddressCheck, AddressRejection } from './address.js';
import { balanceItem, checkAddresses } from './balances.js';
import { checksFrom, runTask, type CodecKind, type CodecResult, type CodecTask } from './batch.js';

/**
 * Addresses (checks) or non-zero balances (items) from which a batch's codec work goes to the pool.
 * Below it the work is a few hundred us at most and the round trip (~150-230 us, the clone of the
 * inputs and answers on the main thread) would cost more than it frees.
 */
export const POOL_MIN_BATCH = 64;

export interface CodecStats {
  /** Worker threads (0: inline). */
  readonly workers: number;
  readonly queued: number;
  readonly utilization: number;
}

export interface CodecRunner {
  /** Whether work can leave the main thread at all. */
  readonly pooled: boolean;
  /** One task (a single address check, a proof check), micro-batched per turn on the pool. */
  run<K extends CodecKind>(task: CodecTask<K>): Promise<CodecResult<K>>;
  /** EIP-55 checks of `inputs` in order: on the pool past POOL_MIN_BATCH inputs, inline (no promise) below. */
  checkMany(inputs: readonly string[], mode: ChecksumMode): readonly AddressCheck[] | Promise<readonly AddressCheck[]>;
  /** Batch items of (address, wei) pairs: on the pool past POOL_MIN_BATCH non-zero balances (a zero needs no formatting). */
  items(addresses: readonly string[], weis: readonly bigint[]): readonly string[] | Promise<readonly string[]>;
  stats(): CodecStats;
  /** Tasks the workers have finished (piscina's count): one per message; a batch split over the workers is several. */
  completed(): number;
  close(): Promise<void>;
}

/** Worker threads for WORKERS=`workers` on a host with `parallelism` cores: the main thread keeps one, a one-core host stays inline. */
export function poolSize(workers: number, parallelism: number = availableParallelism()): number {
  return Math.max(0, Math.min(workers, parallelism - 1));
}

function itemsInline(addresses: readonly string[], weis: readonly bigint[]): string[] {
  const out = new Array<string>(addresses.length);
  for (let i = 0; i < out.length; i++) out[i] = balanceItem(addresses[i]!, weis[i]!);
  return out;
}

export class InlineCodec implements CodecRunner {
  readonly pooled = false;

  run<K extends CodecKind>(task: CodecTask<K>): Promise<CodecResult<K>> {
    return Promise.resolve(runTask(task));
  }

  checkMany(inputs: readonly string[], mode: ChecksumMode): readonly AddressCheck[] {
    return checkAddresses(inputs, mode);
  }

  items(addresses: readonly string[], weis: readonly bigint[]): readonly string[] {
    return itemsInline(addresses, weis);
  }

  stats(): CodecStats {
    return { workers: 0, queued: 0, utilization: 0 };
  }

  completed(): number {
    return 0;
  }

  async close(): Promise<void> {}
}

interface Waiting {
  /** Forwarded to a worker as is. */
  readonly task: { readonly kind: CodecKind };
  readonly resolve: (result: CodecResult) => void;
  readonly reject: (error: unknown) => void;
}

// Under tsx the sources are .ts and workers need tsx loaded for them; built, worker.js sits here.
const workerFile = new URL(import.meta.url.endsWith('.ts') ? './worker-tsx.mjs' : './worker.js', import.meta.url);

export class PooledCodec implements CodecRunner {
  readonly pooled = true;
  private readonly pool: Piscina;
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly workers: number,
    private readonly maxBatch = 256,
    /** false: one message per task (the baseline bench/codec.bench.ts compares against). */
    private readonly batch = true,
  ) {
    this.pool = new Piscina({
      filename: workerFile.href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
    });
  }

  run<K extends CodecKind>(task: CodecTask<K>): Promise<CodecResult<K>> {
    // The worker answers runBatch(tasks)[i] = runTask(tasks[i]): each result is of its task's kind.
    if (!this.batch) {
      return this.pool.run([task], { name: 'runBatch' }).then((results: CodecResult<K>[]) => results[0]!);
    }
    return new Promise<CodecResult<K>>((resolve, reject) => {
      this.waiting.push({ task, resolve: resolve as (result: CodecResult) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  checkMany(inputs: readonly string[], mode: ChecksumMode): readonly AddressCheck[] | Promise<readonly AddressCheck[]> {
    if (inputs.length < POOL_MIN_BATCH) return checkAddresses(inputs, mode);
    return Promise.all(this.split(inputs).map((part) => this.pool.run({ inputs: part, mode }, { name: 'checkMany' }) as Promise<(string | AddressRejection)[]>)).then(
      (parts) => checksFrom(parts.flat()),
    );
  }

  items(addresses: readonly string[], weis: readonly bigint[]): readonly string[] | Promise<readonly string[]> {
    let nonZero = 0;
    for (const wei of weis) if (wei !== 0n) nonZero++;
    if (nonZero < POOL_MIN_BATCH) return itemsInline(addresses, weis);
    const decimals = weis.map((wei) => wei.toString(10));
    const per = Math.ceil(addresses.length / this.workers);
    const parts = this.split(addresses).map(
      (part, w) => this.pool.run({ addresses: part, weis: decimals.slice(w * per, w * per + part.length) }, { name: 'itemsOf' }) as Promise<string[]>,
    );
    return Promise.all(parts).then((done) => done.flat());
  }

  /** `items` in one contiguous part per worker. */
  private split<T>(items: readonly T[]): T[][] {
    const per = Math.ceil(items.length / this.workers);
    const parts: T[][] = [];
    for (let i = 0; i < items.length; i += per) parts.push(items.slice(i, i + per));
    return parts;
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    // Spread over the workers: a turn's proofs of a verified batch are each ~100 us of work.
    const per = Math.max(1, Math.min(this.maxBatch, Math.ceil(all.length / this.workers)));
    for (let i = 0; i < all.length; i += per) {
      const chunk = all.slice(i, i + per);
      this.pool.run(chunk.map((w) => w.task), { name: 'runBatch' }).then(
        (results: CodecResult[]) => chunk.forEach((w, j) => w.resolve(results[j]!)),
        (error: unknown) => chunk.forEach((w) => w.reject(error)),
      );
    }
  }

  stats(): CodecStats {
    return { workers: this.pool.threads.length, queued: this.pool.queueSize, utilization: this.pool.utilization };
  }

  completed(): number {
    return this.pool.completed;
  }

  async close(): Promise<void> {
    await this.pool.close({ force: false });
  }
}

/** The runner for WORKERS=`workers` on this host (poolSize). */
export function createCodec(workers: number, parallelism?: number): CodecRunner {
  const threads = poolSize(workers, parallelism);
  return threads > 0 ? new PooledCodec(threads) : new InlineCodec();
}

/** The pool's proof check as a task runner (src/verify/proof-task.ts proofVerifier wraps it). */
export function proofRunner(codec: CodecRunner): (task: ProofTask) => Promise<ProofTaskResult> {
  return (task) => codec.run({ kind: 'proof', ...task });
}
