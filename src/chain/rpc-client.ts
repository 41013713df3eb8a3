/**
 * A provider's JSON-RPC client: the HTTP exchange is http-exchange.ts, the framing and reply
 * matching json-rpc.ts; this file is the two ways calls go out.
 *
 * - `call`: calls issued in the same event-loop turn go out as one JSON-RPC batch, so a burst of
 *   independent callers costs one round trip per provider instead of one per call: single misses
 *   arriving together, and a verified batch, whose addresses are each proven by their own hedged
 *   eth_getProof read (verify/verified-reader.ts), so 100 addresses are one request per provider.
 * - `callBatch`: a caller already holding a whole chunk (the router's batch read) sends it now, as
 *   one HTTP request of its own: one promise for the chunk, not one per call, the chunk never
 *   split or merged with other callers' calls (ProviderCalls.invokeBatch books its health per
 *   request), and the chunk's hedge withdrawn by one Cancel.
 * Routing chunks through the queue would cost a promise, a closure and a Cancel listener per call
 * and let a chunk straddle two requests; dropping the queue would send each eth_getProof of a
 * verified batch on its own. So both stay, over one framing and one matcher.
 *
 * A call can be withdrawn (the router cancels the loser of a hedge): it leaves the queue if not
 * sent yet, and once every call of a sent batch is withdrawn the HTTP request itself is aborted.
 */
import type { ProviderConfig } from '../config/config.js';
import type { Cancel } from './cancel.js';
import { Exchange, HttpJsonPoster, withdrawnError } from './http-exchange.js';
import { encodeCalls, matchReplies, type RpcCall } from './json-rpc.js';
import { UpstreamError } from './upstream-error.js';

export interface RpcCallResult<T = unknown> {
  readonly result: T;
  /** Round trip of the HTTP request that carried this call. */
  readonly latencyMs: number;
}

interface Pending extends RpcCall {
  readonly resolve: (value: RpcCallResult) => void;
  readonly reject: (error: unknown) => void;
  /** Set when settled or withdrawn; later replies for it are ignored. */
  done: boolean;
  /** The batch carrying it once sent. */
  batch: Batch | undefined;
}

interface Batch {
  readonly exchange: Exchange;
  /** Calls in it not yet withdrawn. */
  live: number;
}

/** A JSON-RPC batch sent as a whole (`callBatch`): each call's result or error, in order. */
export interface RpcBatchResult {
  /** Each call's `result`, or the UpstreamError its reply stands for. */
  readonly results: readonly unknown[];
  /** Round trip of the HTTP request. */
  readonly latencyMs: number;
}

export interface RpcClientOptions {
  readonly timeoutMs: number;
  /** Largest JSON-RPC batch sent at once. */
  readonly maxBatch?: number;
  readonly connections?: number;
}

export class RpcClient {
  readonly name: string;
  private readonly http: HttpJsonPoster;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(provider: ProviderConfig, options: RpcClientOptions) {
    this.name = provider.name;
    this.maxBatch = options.maxBatch ?? 100;
    this.http = new HttpJsonPoster(provider, options);
  }

  /**
   * Queues a call for this turn's batch. Rejects with an UpstreamError, never anything else; a
   * withdrawn call rejects at once with kind 'cancelled'.
   */
  call<T = unknown>(method: string, params: readonly unknown[], cancel?: Cancel): Promise<RpcCallResult<T>> {
    if (this.closed) return Promise.reject(new UpstreamError('unavailable', this.name, 'client closed'));
    if (cancel?.cancelled === true) return Promise.reject(withdrawnError(this.name));
    return new Promise<RpcCallResult<T>>((resolve, reject) => {
      let pending: Pending;
      if (cancel === undefined) {
        pending = { method, params, resolve: resolve as Pending['resolve'], reject, done: false, batch: undefined };
      } else {
        const forget = cancel.onCancel(() => this.withdraw(pending));
        pending = {
          method,
          params,
          resolve: (value) => {
            forget();
            resolve(value as RpcCallResult<T>);
          },
          reject: (error) => {
            forget();
            reject(error);
          },
          done: false,
          batch: undefined,
        };
      }
      this.queue.push(pending);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Sends `paramsList` calls of `method` now, as one JSON-RPC batch in one HTTP request, outside
   * this turn's queue (see the top of this file). Each result is the call's `result` or its
   * UpstreamError, in order; rejects with an UpstreamError when the request as a whole failed
   * (transport, HTTP status, or one error object for the whole batch). The caller chunks by
   * UPSTREAM_BATCH_MAX (the `maxBatch` this client was made with).
   */
  async callBatch(method: string, paramsList: readonly (readonly unknown[])[], cancel?: Cancel): Promise<RpcBatchResult> {
    if (this.closed) throw new UpstreamError('unavailable', this.name, 'client closed');
    if (cancel?.cancelled === true) throw withdrawnError(this.name);
    const calls = paramsList.map((params) => ({ method, params }));
    const first = this.takeIds(calls.length);
    const started = performance.now();
    const exchange = new Exchange();
    const forget = cancel?.onCancel(() => exchange.withdraw());
    let parsed: unknown;
    try {
      parsed = await this.http.post(encodeCalls(first, calls), exchange);
    } finally {
      forget?.();
    }
    const latencyMs = performance.now() - started;
    return { results: matchReplies(parsed, first, calls, this.name), latencyMs };
  }

  /** Ids for `n` calls of one batch, consecutive so a reply's id says its call. */
  private takeIds(n: number): number {
    const first = this.nextId;
    this.nextId += n;
    return first;
  }

  private withdraw(p: Pending): void {
    if (p.done) return;
    p.done = true;
    p.reject(withdrawnError(this.name));
    const batch = p.batch;
    if (batch !== undefined && --batch.live === 0) batch.exchange.withdraw();
  }

  private settle(p: Pending, error: unknown, value?: RpcCallResult): void {
    if (p.done) return;
    p.done = true;
    if (error === undefined) p.resolve(value!);
    else p.reject(error);
  }

  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue.filter((p) => !p.done);
    this.queue = [];
    for (let i = 0; i < queue.length; i += this.maxBatch) {
      void this.send(queue.slice(i, i + this.maxBatch));
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    const first = this.takeIds(batch.length);
    const exchange = new Exchange();
    const state: Batch = { exchange, live: batch.length };
    for (const p of batch) p.batch = state;
    const started = performance.now();
    let results: unknown[];
    let latencyMs: number;
    try {
      const parsed = await this.http.post(encodeCalls(first, batch), exchange);
      latencyMs = performance.now() - started;
      results = matchReplies(parsed, first, batch, this.name);
    } catch (error) {
      for (const p of batch) this.settle(p, error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const result = results[i];
      if (result instanceof UpstreamError) this.settle(batch[i]!, result);
      else this.settle(batch[i]!, undefined, { result, latencyMs });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.http.close();
  }
}
