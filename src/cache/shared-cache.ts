/**
 * The fleet's second cache level: Redis/Valkey shared by every task, consulted only on an
 * in-process miss (inside BalanceCache's loader), before any provider.
 *
 * One round trip per miss: a script returns the entry, or takes a short fill lock, or says another
 * task holds it (and marks that someone waits). The lock holder reads upstream and fills the
 * entry (one more round trip, off the response's path), which publishes it when someone waits;
 * those tasks wait for that message at most `waitMs` (REDIS_TIMEOUT_MS + one upstream call), then
 * read for themselves (fill-waiters.ts).
 *
 * Redis is a cache, never a dependency: every Redis failure (refused, reset, hung, garbage, a value
 * that does not match its key) falls through to the caller's own read, behind a breaker
 * (redis-guard.ts). Our own bugs are not Redis failures: they reject the load.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BreakerPolicy, BreakerState } from '../resilience/breaker.js';
import type { SharedCacheConfig } from '../config/shared-cache-config.js';
import { decodeSharedValue, encodeSharedValue, lockKey, sharedKey, type SharedKey, type SharedValue } from './shared-cache-value.js';
import { connect, quit, type Scripts } from './shared-cache-redis.js';
import type { SharedCacheErrorKind } from './shared-cache-errors.js';
import { FillWaiters } from './fill-waiters.js';
import { RedisGuard, type RedisGuardLogger } from './redis-guard.js';

/** What the caller's own read must yield for it to be shared. */
export interface SharedRead {
  readonly wei: bigint;
  readonly stateRoot?: string | undefined;
}

export type SharedOutcome<R extends SharedRead> =
  | { readonly source: 'shared'; readonly value: SharedValue }
  | { readonly source: 'read'; readonly read: R };

export interface SharedCacheStats {
  /** Valid entries found (directly, or handed over by the task that filled them). */
  hits: number;
  /** Lookups that found nothing and took the fill lock. */
  misses: number;
  /** Lookups that found another task filling and waited for it. */
  coalescedWaits: number;
  /** Waits that ended without a usable value (timeout, the filler failed): read for themselves. */
  waitTimeouts: number;
  /** Entries written. */
  fills: number;
  /** Lookups that did not ask Redis because the breaker was open. */
  bypassed: number;
  readonly errors: Record<SharedCacheErrorKind, number>;
}

export type SharedCacheLogger = RedisGuardLogger;

export interface SharedCacheOptions {
  readonly config: SharedCacheConfig;
  /** The upstream call timeout: a waiter gives up after timeoutMs + this. */
  readonly upstreamTimeoutMs: number;
  readonly logger?: SharedCacheLogger;
  readonly breakerPolicy?: BreakerPolicy;
  readonly clock?: () => number;
  /**
   * How an entry read from Redis becomes a value (decodeSharedValue). A test injects a broken one:
   * a bug of ours in a Redis round trip must surface as itself, never as Redis' failure.
   */
  readonly decode?: typeof decodeSharedValue;
}

/** Shorter than the providers': a Redis round trip is cheap to retry, and sharing should resume soon. */
export const SHARED_CACHE_BREAKER_POLICY: BreakerPolicy = Object.freeze({
  consecutiveFailures: 3,
  windowSize: 10,
  windowFailures: 5,
  baseCooldownMs: 500,
  maxCooldownMs: 5000,
  forgetAfterMs: 60_000,
});

export class SharedCache {
  readonly stats: SharedCacheStats;
  private readonly client: Redis & Scripts;
  private readonly subscriber: Redis;
  private readonly guard: RedisGuard;
  private readonly waiters = new FillWaiters();
  private readonly channel: string;
  private readonly waitMs: number;
  private readonly tokenPrefix = randomBytes(6).toString('hex');
  private tokens = 0;
  private subscribed = false;
  /** Called on every change `sharing()` may see (a connection ready, the subscription made). */
  private readonly onSharingChange = new Set<() => void>();
  private readonly config: SharedCacheConfig;
  private readonly logger: SharedCacheLogger | undefined;
  private readonly decode: typeof decodeSharedValue;

  constructor(options: SharedCacheOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.decode = options.decode ?? decodeSharedValue;
    this.guard = new RedisGuard({
      timeoutMs: this.config.timeoutMs,
      redactedUrl: this.config.redactedUrl,
      breakerPolicy: options.breakerPolicy ?? SHARED_CACHE_BREAKER_POLICY,
      clock: options.clock ?? (() => performance.now()),
      logger: options.logger,
    });
    this.stats = { hits: 0, misses: 0, coalescedWaits: 0, waitTimeouts: 0, fills: 0, bypassed: 0, errors: this.guard.errors };
    this.channel = `${this.config.keyPrefix}fills`;
    this.waitMs = this.config.timeoutMs + options.upstreamTimeoutMs;
    const { client, subscriber } = connect(this.config);
    this.client = client;
    this.subscriber = subscriber;
    this.subscriber.on('message', (_channel: string, message: string) => this.waiters.deliver(message));
    for (const [name, connection] of [['client', this.client], ['subscriber', this.subscriber]] as const) {
      // ioredis emits 'error' on every failed reconnect; the breaker and counters tell the story.
      connection.on('error', () => {});
      connection.on('ready', () => {
        this.logger?.info({ redis: this.config.redactedUrl, connection: name }, 'shared cache connected');
        for (const check of this.onSharingChange) check();
      });
    }
  }

  /** Connects in the background: the service starts and answers whether or not Redis is there. */
  start(): void {
    this.client.connect().catch(() => {});
    this.subscriber.connect().catch(() => {});
    // Queued until the subscriber connects (also when Redis comes up after this task); ioredis
    // subscribes again by itself after every reconnect.
    this.subscriber.subscribe(this.channel).then(
      () => {
        this.subscribed = true;
        for (const check of this.onSharingChange) check();
      },
      () => {},
    );
  }

  /** Connected and listening for fills: what tests (and nothing on a request's path) wait for. */
  sharing(): boolean {
    return this.client.status === 'ready' && this.subscriber.status === 'ready' && this.subscribed;
  }

  /** Resolves once `sharing()` holds (at once if it does): tests await it instead of polling. */
  whenSharing(): Promise<void> {
    if (this.sharing()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!this.sharing()) return;
        this.onSharingChange.delete(check);
        resolve();
      };
      this.onSharingChange.add(check);
    });
  }

  breakerState(now?: number): BreakerState {
    return this.guard.state(now);
  }

  /** Resolves once every fill written off the response's path so far has finished (tests await it). */
  settled(): Promise<void> {
    return this.guard.settled();
  }

  /** 'ready' when connected; what ioredis calls its other states otherwise. */
  connectionStatus(): string {
    return this.client.status;
  }

  /**
   * The shared entry for `key`, or the result of `read` (shared afterwards). Rejects only with
   * `read`'s own error or our own bug: every Redis failure is absorbed here.
   */
  async load<R extends SharedRead>(key: SharedKey, read: () => Promise<R>): Promise<SharedOutcome<R>> {
    if (!this.guard.admit()) {
      this.stats.bypassed++;
      return { source: 'read', read: await read() };
    }
    const entry = sharedKey(this.config.keyPrefix, key);
    const lock = lockKey(this.config.keyPrefix, key);
    const waiting = `${lock}:w`;
    const token = `${this.tokenPrefix}:${++this.tokens}`;
    const fill = this.waiters.expect(entry, this.waitMs);
    let claim: { readonly value: { readonly state: number; readonly value: SharedValue | undefined } } | undefined;
    try {
      // Decoded inside the guarded round trip: a bug in it is rethrown there, never counted as Redis'.
      claim = await this.guard.run(
        this.client.claim(entry, lock, waiting, token, this.waitMs).then(([state, raw]) => ({ state, value: state === 1 ? this.decode(raw, key) : undefined })),
      );
    } finally {
      // Only a task that waits for another's fill keeps listening.
      if (claim === undefined || claim.value.state === 1 || claim.value.state === 2) fill.stop();
    }
    if (claim === undefined) return { source: 'read', read: await read() };
    const { state, value } = claim.value;
    if (state === 1) {
      if (value !== undefined) {
        this.stats.hits++;
        return { source: 'shared', value };
      }
      this.stats.errors.poison++;
      return this.readAndFill(key, entry, lock, '', read);
    }
    if (state === 2) {
      this.stats.misses++;
      return this.readAndFill(key, entry, lock, token, read);
    }
    // Another task is reading this balance: wait for its message, at most one upstream call longer.
    this.stats.coalescedWaits++;
    const message = await fill.wait();
    const handed = this.decode(message, key);
    if (handed !== undefined) {
      this.stats.hits++;
      return { source: 'shared', value: handed };
    }
    this.stats.waitTimeouts++;
    if (message !== undefined && message !== '') this.stats.errors.poison++;
    return this.readAndFill(key, entry, lock, '', read);
  }

  /**
   * Batch lookup (POST /address/balances): one round trip for all of `keys` (GETs pipelined, so
   * each key keeps its own slot in cluster mode), no fill locks. A missing, unusable or poisoned
   * entry is undefined; any Redis failure makes them all undefined (the caller reads upstream).
   */
  async getMany(keys: readonly SharedKey[]): Promise<Array<SharedValue | undefined>> {
    const none = keys.map(() => undefined);
    if (keys.length === 0) return none;
    if (!this.guard.admit()) {
      this.stats.bypassed += keys.length;
      return none;
    }
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.get(sharedKey(this.config.keyPrefix, key));
    // A command's own error fails the round trip like a failed exec; decoded inside it, like load's.
    const guarded = await this.guard.run(
      pipeline.exec().then((replies) =>
        keys.map((key, i) => {
          const [error, raw] = replies?.[i] ?? [null, null];
          if (error !== null) throw error;
          return { raw, value: this.decode(raw as string | null, key) };
        }),
      ),
    );
    if (guarded === undefined) return none;
    return guarded.value.map(({ raw, value }) => {
      if (value !== undefined) this.stats.hits++;
      else if (raw !== null && raw !== undefined) this.stats.errors.poison++;
      else this.stats.misses++;
      return value;
    });
  }

  /** Writes what a batch read upstream, off the response's path (one pipelined round trip). */
  fillMany(values: readonly SharedValue[]): void {
    if (values.length === 0) return;
    const pipeline = this.client.pipeline();
    for (const value of values) {
      pipeline.set(sharedKey(this.config.keyPrefix, value), encodeSharedValue(value), 'EX', this.config.ttlSeconds);
    }
    this.guard.background(
      pipeline.exec().then(() => {
        this.stats.fills += values.length;
      }),
    );
  }

  private async readAndFill<R extends SharedRead>(key: SharedKey, entry: string, lock: string, token: string, read: () => Promise<R>): Promise<SharedOutcome<R>> {
    let result: R;
    try {
      result = await read();
    } catch (error) {
      // Tell the waiters now rather than at their timeout; they read for themselves.
      if (token !== '') this.guard.background(this.client.release(lock, `${lock}:w`, token, this.channel, `${entry}\n`));
      throw error;
    }
    const encoded = encodeSharedValue({ ...key, wei: result.wei, stateRoot: key.verified ? result.stateRoot : undefined });
    // Off the response's path: the caller answers from its own read now.
    this.guard.background(
      this.client.fill(entry, lock, `${lock}:w`, encoded, this.config.ttlSeconds, this.channel, token, `${entry}\n${encoded}`).then(() => {
        this.stats.fills++;
      }),
    );
    return { source: 'read', read: result };
  }

  async close(): Promise<void> {
    this.guard.close();
    this.waiters.clear();
    await Promise.allSettled([quit(this.client), quit(this.subscriber)]);
  }
}
