/**
 * JSON-RPC over pooled keep-alive HTTP (undici Pool; global fetch measured ~4x slower here).
 * Calls issued in the same event-loop turn go out as one JSON-RPC batch, so a burst of cache misses
 * costs one round trip per provider instead of one per address.
 *
 * Requests go through undici's dispatch API with a handler that collects the reply's bytes:
 * `pool.request` wraps every reply in a Readable stream and an AbortSignal, which at concurrency 1
 * was a measurable part of a miss (README, Performance).
 *
 * A call can be withdrawn (the router cancels the loser of a hedge): it leaves the queue if not
 * sent yet, and once every call of a sent batch is withdrawn the HTTP request itself is aborted.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ProviderConfig } from '../config/config.js';
import type { Cancel } from './cancel.js';
import { classifyRpcError, UpstreamError } from './upstream-error.js';

export interface RpcCallResult<T = unknown> {
  readonly result: T;
  /** Round trip of the HTTP request that carried this call. */
  readonly latencyMs: number;
}

interface Pending {
  readonly id: number;
  readonly method: string;
  readonly params: readonly unknown[];
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

/**
 * A JSON text sent as is as one of a call's params: for a large hex payload (a Multicall3 chunk's
 * call data, ~39 KB per 100 balances) that JSON.stringify would otherwise copy and scan for
 * characters to escape, which was half the cost of building the request. The text must be JSON.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The request body of a batch: one call as an object, several as an array. */
function batchBody(method: string, firstId: number, paramsList: readonly (readonly unknown[])[]): string {
  const raw = paramsList.some((params) => params.some((p) => p instanceof RawJson));
  if (!raw) {
    const payload = paramsList.map((params, i) => ({ jsonrpc: '2.0', id: firstId + i, method, params }));
    return JSON.stringify(payload.length === 1 ? payload[0] : payload);
  }
  const calls = paramsList.map((params, i) => {
    const list = params.map((p) => (p instanceof RawJson ? p.text : JSON.stringify(p))).join(',');
    return `{"jsonrpc":"2.0","id":${firstId + i},"method":${JSON.stringify(method)},"params":[${list}]}`;
  });
  return calls.length === 1 ? calls[0]! : `[${calls.join(',')}]`;
}

export interface RpcClientOptions {
  readonly timeoutMs: number;
  /** Largest JSON-RPC batch sent at once. */
  readonly maxBatch?: number;
  readonly connections?: number;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const WITHDRAWN = 'withdrawn';
const TIMED_OUT = 'timed out';

export class RpcClient {
  readonly name: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(provider: ProviderConfig, options: RpcClientOptions) {
    const url = new URL(provider.url);
    this.name = provider.name;
    this.path = `${url.pathname}${url.search}`;
    this.headers = { 'content-type': 'application/json', ...provider.headers };
    this.timeoutMs = options.timeoutMs;
    this.maxBatch = options.maxBatch ?? 100;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: MAX_BODY_BYTES,
      connect: { timeout: options.timeoutMs },
    });
  }

  /**
   * Queues a call for this turn's batch. Rejects with an UpstreamError, never anything else; a
   * withdrawn call rejects at once with kind 'cancelled'.
   */
  call<T = unknown>(method: string, params: readonly unknown[], cancel?: Cancel): Promise<RpcCallResult<T>> {
    if (this.closed) return Promise.reject(new UpstreamError('unavailable', this.name, 'client closed'));
    if (cancel?.cancelled === true) return Promise.reject(this.cancelled());
    return new Promise<RpcCallResult<T>>((resolve, reject) => {
      let pending: Pending;
      if (cancel === undefined) {
        pending = { id: this.nextId++, method, params, resolve: resolve as Pending['resolve'], reject, done: false, batch: undefined };
      } else {
        const forget = cancel.onCancel(() => this.withdraw(pending));
        pending = {
          id: this.nextId++,
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
   * this turn's queue: a caller already holding a whole chunk (the router's batch read) pays no
   * promise, closure or queue entry per call. Each result is the call's `result` or its
   * UpstreamError, in order; rejects with an UpstreamError when the request as a whole failed
   * (transport, HTTP status, or one error object for the whole batch). The caller chunks by
   * UPSTREAM_BATCH_MAX (the `maxBatch` this client was made with).
   */
  async callBatch(method: string, paramsList: readonly (readonly unknown[])[], cancel?: Cancel): Promise<RpcBatchResult> {
    if (this.closed) throw new UpstreamError('unavailable', this.name, 'client closed');
    if (cancel?.cancelled === true) throw this.cancelled();
    const first = this.nextId;
    this.nextId += paramsList.length;
    const single = paramsList.length === 1;
    const started = performance.now();
    const exchange = new Exchange();
    const forget = cancel?.onCancel(() => exchange.cancel(WITHDRAWN));
    let parsed: unknown;
    try {
      parsed = await this.post(batchBody(method, first, paramsList), exchange);
    } finally {
      forget?.();
    }
    const latencyMs = performance.now() - started;
    const replies = single && !Array.isArray(parsed) ? [parsed] : parsed;
    if (!Array.isArray(replies)) {
      throw this.replyError(parsed) ?? new UpstreamError('bad-response', this.name, 'batch answered with a non-array');
    }
    const results = new Array<unknown>(paramsList.length);
    // Nodes answer in request order: index by position, and fall back to ids when they do not.
    const inOrder = replies.length === paramsList.length && replies.every((r, i) => (r as { id?: unknown } | null)?.id === first + i);
    const byId = inOrder ? undefined : new Map<unknown, unknown>();
    if (byId !== undefined) {
      for (const reply of replies) {
        if (reply !== null && typeof reply === 'object') byId.set((reply as { id?: unknown }).id, reply);
      }
    }
    for (let i = 0; i < paramsList.length; i++) {
      const outcome = this.outcome(byId === undefined ? replies[i] : byId.get(first + i), method);
      results[i] = outcome instanceof UpstreamError ? outcome : outcome.result;
    }
    return { results, latencyMs };
  }

  /** One call's reply: its result, or the UpstreamError it stands for. */
  private outcome(reply: unknown, method: string): { result: unknown } | UpstreamError {
    const r = reply as { result?: unknown; error?: unknown } | undefined;
    if (r === undefined || r === null || typeof r !== 'object') return new UpstreamError('bad-response', this.name, `no reply for ${method}`);
    if (r.error !== undefined && r.error !== null) return this.replyError(r) ?? new UpstreamError('bad-response', this.name, 'malformed error');
    if (!('result' in r)) return new UpstreamError('bad-response', this.name, `reply for ${method} has no result`);
    return { result: r.result };
  }

  private cancelled(): UpstreamError {
    return new UpstreamError('cancelled', this.name, 'call withdrawn');
  }

  private withdraw(p: Pending): void {
    if (p.done) return;
    p.done = true;
    p.reject(this.cancelled());
    const batch = p.batch;
    if (batch !== undefined && --batch.live === 0) batch.exchange.cancel(WITHDRAWN);
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
    const single = batch.length === 1;
    const payload = batch.map((p) => ({ jsonrpc: '2.0', id: p.id, method: p.method, params: p.params }));
    const exchange = new Exchange();
    const state: Batch = { exchange, live: batch.length };
    for (const p of batch) p.batch = state;
    const started = performance.now();
    let parsed: unknown;
    try {
      parsed = await this.post(JSON.stringify(single ? payload[0] : payload), exchange);
    } catch (error) {
      for (const p of batch) this.settle(p, error);
      return;
    }
    const latencyMs = performance.now() - started;
    const replies = single && !Array.isArray(parsed) ? [parsed] : parsed;
    if (!Array.isArray(replies)) {
      // A batch answered with one error object (often a rate limit) applies to every call in it.
      const error = this.replyError(parsed) ?? new UpstreamError('bad-response', this.name, 'batch answered with a non-array');
      for (const p of batch) this.settle(p, error);
      return;
    }
    const byId = new Map<unknown, unknown>();
    for (const reply of replies) {
      if (reply !== null && typeof reply === 'object') byId.set((reply as { id?: unknown }).id, reply);
    }
    for (const p of batch) {
      if (p.done) continue;
      const outcome = this.outcome(byId.get(p.id), p.method);
      if (outcome instanceof UpstreamError) this.settle(p, outcome);
      else this.settle(p, undefined, { result: outcome.result, latencyMs });
    }
  }

  private replyError(reply: unknown): UpstreamError | undefined {
    const error = (reply as { error?: unknown } | null)?.error;
    if (error === null || typeof error !== 'object') return undefined;
    return classifyRpcError(this.name, error as { code?: unknown; message?: unknown; data?: unknown });
  }

  private async post(body: string, exchange: Exchange): Promise<unknown> {
    const timer = setTimeout(() => exchange.cancel(TIMED_OUT), this.timeoutMs);
    try {
      const reply = await exchange.run(this.pool, { path: this.path, method: 'POST', headers: this.headers, body });
      if (reply.status === 429) {
        throw new UpstreamError('rate-limited', this.name, 'HTTP 429', retryAfterMs(reply.retryAfter));
      }
      if (reply.status >= 400) {
        // Some providers put a JSON-RPC error (e.g. -32005) in a non-2xx reply.
        const rpc = tryParse(reply.text);
        const classified = rpc === undefined ? undefined : this.replyError(rpc);
        if (classified?.kind === 'rate-limited') throw classified;
        throw new UpstreamError('http', this.name, `HTTP ${reply.status}`);
      }
      const parsed = tryParse(reply.text);
      if (parsed === undefined) throw new UpstreamError('bad-response', this.name, 'invalid JSON in reply');
      return parsed;
    } catch (error) {
      if (exchange.cancelledWith === WITHDRAWN) throw this.cancelled();
      throw this.classify(error, exchange.cancelledWith === TIMED_OUT);
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(error: unknown, timedOut: boolean): UpstreamError {
    if (error instanceof UpstreamError) return error;
    if (
      timedOut ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new UpstreamError('timeout', this.name, `no answer within ${this.timeoutMs} ms`);
    }
    if (error instanceof undiciErrors.ResponseExceededMaxSizeError) {
      return new UpstreamError('bad-response', this.name, `reply larger than ${MAX_BODY_BYTES} bytes`);
    }
    const code = (error as { code?: unknown }).code;
    return new UpstreamError('connection', this.name, `connection failed${typeof code === 'string' ? ` (${code})` : ''}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close().catch(() => this.pool.destroy());
  }
}

/**
 * One HTTP exchange on undici's dispatch API: status, Retry-After and the body's bytes, without the
 * stream and signal plumbing of `pool.request`. Cancelling aborts the request (once undici has
 * started it; before that, as soon as it starts).
 */
interface Reply {
  readonly status: number;
  readonly retryAfter: string | string[] | undefined;
  readonly text: string;
}

class Exchange implements Dispatcher.DispatchHandler {
  /** Why it was cancelled, if it was. */
  cancelledWith: string | undefined = undefined;
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private status = 0;
  private retryAfter: string | string[] | undefined = undefined;
  private chunks: Buffer[] = [];
  private resolve: (reply: Reply) => void = () => {};
  private reject: (error: Error) => void = () => {};

  run(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      dispatcher.dispatch(options, this);
    });
  }

  cancel(reason: string): void {
    if (this.cancelledWith !== undefined) return;
    this.cancelledWith = reason;
    this.controller?.abort(new Error(reason));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelledWith !== undefined) controller.abort(new Error(this.cancelledWith));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    this.retryAfter = headers['retry-after'];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const chunks = this.chunks;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ status: this.status, retryAfter: this.retryAfter, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.reject(error);
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
