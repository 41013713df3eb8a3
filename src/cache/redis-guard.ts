/**
 * What stands between the shared cache and a Redis that may be dead, hung or garbage: every
 * operation bounded by `timeoutMs`, every Redis failure counted by kind and fed to a breaker
 * (src/resilience/breaker.ts, the providers' policy with shorter cooldowns) that stops asking after
 * repeated failures and lets one probe through after a cooldown. A failure that is not Redis'
 * (our own bug) is never counted against Redis: it is rethrown (on a request's path) or logged
 * with its stack (in the background).
 */
import { CircuitBreaker, type BreakerPolicy, type BreakerState } from '../resilience/breaker.js';
import { errorLogFields } from '../errors.js';
import { classifyRedisError, SHARED_CACHE_ERROR_KINDS, SharedCacheTimeout, type SharedCacheErrorKind } from './shared-cache-errors.js';

export interface RedisGuardLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RedisGuardOptions {
  readonly timeoutMs: number;
  /** For log lines only: the Redis URL without its password. */
  readonly redactedUrl: string;
  readonly breakerPolicy: BreakerPolicy;
  readonly clock: () => number;
  readonly logger?: RedisGuardLogger | undefined;
}

export class RedisGuard {
  readonly errors: Record<SharedCacheErrorKind, number> = Object.fromEntries(SHARED_CACHE_ERROR_KINDS.map((kind) => [kind, 0])) as Record<
    SharedCacheErrorKind,
    number
  >;
  private readonly breaker: CircuitBreaker;
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: RedisGuardOptions) {
    this.breaker = new CircuitBreaker(options.breakerPolicy);
  }

  /** May Redis be asked now (breaker closed, or this is the half-open probe)? */
  admit(): boolean {
    if (this.closed) return false;
    const now = this.options.clock();
    const state = this.breaker.state(now);
    if (state === 'closed') return true;
    return state === 'half-open' && this.breaker.tryProbe(now);
  }

  state(now: number = this.options.clock()): BreakerState {
    return this.breaker.state(now);
  }

  /**
   * `operation`, bounded; resolves with its value, or with undefined after a Redis failure (counted,
   * fed to the breaker). Rejects only with our own bug, which Redis is not blamed for.
   */
  async run<T>(operation: Promise<T>): Promise<{ readonly value: T } | undefined> {
    let value: T;
    try {
      value = await this.bounded(operation);
    } catch (error) {
      this.failed(error);
      return undefined;
    }
    this.succeeded();
    return { value };
  }

  /** `operation` off the response's path: guarded like `run`, awaited by `settled()`. */
  background(operation: Promise<unknown>): void {
    if (!this.admit()) {
      operation.catch(() => {});
      return;
    }
    const done: Promise<void> = this.run(operation).then(
      () => {},
      (error: unknown) => this.options.logger?.error({ redis: this.options.redactedUrl, ...errorLogFields(error) }, 'shared cache bug in a background write'),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Resolves once every background write started so far (and any they started) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /** Counts a failure the caller saw itself (a pipeline's per-command error); rethrows our bugs. */
  failed(error: unknown): void {
    const kind = classifyRedisError(error);
    if (kind === undefined) throw error;
    this.errors[kind]++;
    if (this.breaker.failure(this.options.clock())) {
      this.options.logger?.warn(
        { redis: this.options.redactedUrl, kind, retryInMs: Math.round(this.breaker.retryInMs(this.options.clock())) },
        'shared cache breaker open: reading upstream without Redis',
      );
    }
  }

  close(): void {
    this.closed = true;
  }

  private succeeded(): void {
    if (this.breaker.success(this.options.clock())) this.options.logger?.info({ redis: this.options.redactedUrl }, 'shared cache breaker closed: sharing resumes');
  }

  /** Rejects with SharedCacheTimeout after timeoutMs, whatever the client does meanwhile. */
  private bounded<T>(operation: Promise<T>): Promise<T> {
    const { timeoutMs } = this.options;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SharedCacheTimeout(timeoutMs)), timeoutMs);
      operation.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
