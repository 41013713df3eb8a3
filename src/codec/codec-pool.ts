/**
 * Runs codec tasks either inline or on a piscina pool, micro-batched per event-loop turn: every task
 * queued in one turn travels to a worker as one message. Which mode pays is measured in
 * bench/codec.bench.ts (inline vs per-request pool vs batched pool) and chosen by WORKERS.
 */
import { Piscina } from 'piscina';
import { runTask, type CodecKind, type CodecResult, type CodecTask } from './batch.js';

export interface CodecRunner {
  /** The task's result, typed by its kind (a check gives an AddressCheck, a format a body). */
  run<K extends CodecKind>(task: CodecTask<K>): Promise<CodecResult<K>>;
  stats(): { workers: number; queued: number; utilization: number };
  close(): Promise<void>;
}

export class InlineCodec implements CodecRunner {
  run<K extends CodecKind>(task: CodecTask<K>): Promise<CodecResult<K>> {
    return Promise.resolve(runTask(task));
  }

  stats() {
    return { workers: 0, queued: 0, utilization: 0 };
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
  private readonly pool: Piscina;
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    workers: number,
    private readonly maxBatch = 256,
    /** false: one message per task (the baseline the benchmark compares against). */
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

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const chunk = all.slice(i, i + this.maxBatch);
      this.pool.run(chunk.map((w) => w.task), { name: 'runBatch' }).then(
        (results: CodecResult[]) => chunk.forEach((w, j) => w.resolve(results[j]!)),
        (error: unknown) => chunk.forEach((w) => w.reject(error)),
      );
    }
  }

  stats() {
    return { workers: this.pool.threads.length, queued: this.pool.queueSize, utilization: this.pool.utilization };
  }

  async close(): Promise<void> {
    await this.pool.close({ force: false });
  }
}

export function createCodec(workers: number): CodecRunner {
  return workers > 0 ? new PooledCodec(workers) : new InlineCodec();
}
