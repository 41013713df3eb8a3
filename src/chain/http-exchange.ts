/**
 * The HTTP side of a provider's JSON-RPC: POSTs over pooled keep-alive connections (undici Pool;
 * global fetch measured ~4x slower here), each bounded by the upstream timeout, and every way one
 * can fail classified into an UpstreamError (transport, timeout, HTTP status, size, JSON).
 *
 * Requests go through undici's dispatch API with a handler that collects the reply's bytes:
 * `pool.request` wraps every reply in a Readable stream and an AbortSignal, which at concurrency 1
 * was a measurable part of a miss (bench/README.md, "What profiling changed").
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ProviderConfig } from '../config/config.js';
import { replyError } from './json-rpc.js';
import { UpstreamError } from './upstream-error.js';

export interface HttpOptions {
  readonly timeoutMs: number;
  readonly connections?: number;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const WITHDRAWN = 'withdrawn';
const TIMED_OUT = 'timed out';

/** What a call withdrawn by its caller rejects with. */
export function withdrawnError(provider: string): UpstreamError {
  return new UpstreamError('cancelled', provider, 'call withdrawn');
}

export class HttpJsonPoster {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly provider: ProviderConfig,
    private readonly options: HttpOptions,
  ) {
    const url = new URL(provider.url);
    this.path = `${url.pathname}${url.search}`;
    this.headers = { 'content-type': 'application/json', ...provider.headers };
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
   * POSTs `body` on `exchange` and resolves with the reply's parsed JSON; rejects with an
   * UpstreamError, never anything else ('cancelled' once the exchange is withdrawn).
   */
  async post(body: string, exchange: Exchange): Promise<unknown> {
    const name = this.provider.name;
    const timer = setTimeout(() => exchange.timeOut(), this.options.timeoutMs);
    try {
      const reply = await exchange.run(this.pool, { path: this.path, method: 'POST', headers: this.headers, body });
      if (reply.status === 429) {
        throw new UpstreamError('rate-limited', name, 'HTTP 429', retryAfterMs(reply.retryAfter));
      }
      if (reply.status >= 400) {
        // Some providers put a JSON-RPC error (e.g. -32005) in a non-2xx reply.
        const rpc = tryParse(reply.text);
        const classified = rpc === undefined ? undefined : replyError(name, rpc);
        if (classified?.kind === 'rate-limited') throw classified;
        throw new UpstreamError('http', name, `HTTP ${reply.status}`);
      }
      const parsed = tryParse(reply.text);
      if (parsed === undefined) throw new UpstreamError('bad-response', name, 'invalid JSON in reply');
      return parsed;
    } catch (error) {
      if (exchange.cancelledWith === WITHDRAWN) throw withdrawnError(name);
      throw this.classify(error, exchange.cancelledWith === TIMED_OUT);
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(error: unknown, timedOut: boolean): UpstreamError {
    const name = this.provider.name;
    if (error instanceof UpstreamError) return error;
    if (
      timedOut ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new UpstreamError('timeout', name, `no answer within ${this.options.timeoutMs} ms`);
    }
    if (error instanceof undiciErrors.ResponseExceededMaxSizeError) {
      return new UpstreamError('bad-response', name, `reply larger than ${MAX_BODY_BYTES} bytes`);
    }
    const code = (error as { code?: unknown }).code;
    return new UpstreamError('connection', name, `connection failed${typeof code === 'string' ? ` (${code})` : ''}`);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => this.pool.destroy());
  }
}

interface Reply {
  readonly status: number;
  readonly retryAfter: string | string[] | undefined;
  readonly text: string;
}

/**
 * One HTTP exchange on undici's dispatch API: status, Retry-After and the body's bytes, without the
 * stream and signal plumbing of `pool.request`. Withdrawing aborts the request (once undici has
 * started it; before that, as soon as it starts).
 */
export class Exchange implements Dispatcher.DispatchHandler {
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

  /** Nobody waits for the reply any more: its `post` rejects as withdrawn. */
  withdraw(): void {
    this.cancel(WITHDRAWN);
  }

  /** The upstream timeout passed: its `post` rejects as a timeout. */
  timeOut(): void {
    this.cancel(TIMED_OUT);
  }

  private cancel(reason: string): void {
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
