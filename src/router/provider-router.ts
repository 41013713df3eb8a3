/**
 * Health-scored multi-provider reads: the Upstream the service uses.
 *
 * - Chain: eth_chainId at start and every CHAIN_CHECK_INTERVAL_MS after (riding along with a head
 *   poll, so an idle service polls nothing). A provider on another chain is never read from.
 * - Head: while requests flow, each usable provider is asked for its latest block (one call each,
 *   batched with whatever reads go out in the same turn); the service head is the newest block every
 *   provider within MAX_HEAD_LAG_BLOCKS of the newest can serve (router/head-consensus.ts).
 * - Reads: pinned by block hash (EIP-1898), ranked by score with a little exploration, failed over
 *   and hedged within REQUEST_DEADLINE_MS (router/failover.ts). A provider without the block is
 *   skipped for that read only; when no provider answers, a 502 lists each one's redacted cause.
 * - Last resort: when every right-chain provider's circuit is open, they are asked anyway (a
 *   success closes the circuit), so a recovered provider serves at once instead of after its
 *   cooldown. Rate-limited providers are never asked before their Retry-After.
 */
import { networkName, parseBlock, parseQuantity, type Head } from '../chain/head.js';
import { HeadTracker } from '../chain/head-tracker.js';
import { UpstreamError } from '../chain/upstream-error.js';
import type { Config } from '../config/config.js';
import { ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { redactText } from '../observability/redact.js';
import { DEADLINE, failover, HEDGE_LOST } from './failover.js';
import { consensusHead, lagOf } from './head-consensus.js';
import { HedgeBudget, hedgeDelayMs } from './hedge.js';
import { ProviderHandle, type Transition } from './provider.js';
import { rank } from './selection.js';
import type { BalanceRead, CallObserver, ProviderSnapshot, Upstream } from './upstream.js';

export interface ProviderRouterOptions {
  readonly onCall?: CallObserver;
  /** Monotonic milliseconds (tests drive it). */
  readonly clock?: () => number;
  readonly random?: () => number;
  /** How often a provider's chain id is checked again (default: config.chainCheckIntervalMs). */
  readonly chainCheckIntervalMs?: number;
}
/** A provider's head older than this (or 3 head lifetimes) no longer counts. */
const HEAD_FRESH_FLOOR_MS = 3000;

interface Cause {
  readonly name: string;
  readonly kind: string;
  readonly error: string;
}

export class ProviderRouter implements Upstream {
  private readonly providers: ProviderHandle[];
  private readonly tracker: HeadTracker;
  private readonly budget = new HedgeBudget();
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly onCall: CallObserver | undefined;
  private readonly chainCheckMs: number;
  private readonly freshMs: number;
  private chainId: number | undefined;
  private newest: bigint | undefined;
  private started = false;
  private closed = false;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    options: ProviderRouterOptions = {},
  ) {
    this.clock = options.clock ?? performance.now.bind(performance);
    this.random = options.random ?? Math.random;
    this.onCall = options.onCall;
    this.chainCheckMs = options.chainCheckIntervalMs ?? config.chainCheckIntervalMs;
    this.freshMs = Math.max(HEAD_FRESH_FLOOR_MS, 3 * config.headMaxAgeMs);
    this.chainId = config.expectedChainId;
    this.providers = config.providers.map((p) => new ProviderHandle(p, config.upstreamTimeoutMs));
    this.tracker = new HeadTracker(() => this.refreshHeads(), config.headMaxAgeMs, this.clock);
  }

  network(): string | undefined {
    return this.chainId === undefined ? undefined : networkName(this.chainId);
  }

  async start(): Promise<void> {
    await Promise.all(this.providers.map((p) => this.checkChain(p)));
    // Development without EXPECTED_CHAIN_ID: the first configured provider that answered decides.
    this.chainId ??= this.providers.find((p) => p.chainId !== undefined)?.chainId;
    this.started = true;
    for (const p of this.providers) this.report(p, this.clock());
    if (!this.providers.some((p) => p.chainId !== undefined && p.chainId === this.chainId)) {
      throw this.unavailable('no provider on the expected chain answered', new Map());
    }
  }

  // ---- calls ---------------------------------------------------------------------------------

  /** One upstream call with its outcome recorded; rejects with an UpstreamError. */
  private async invoke<T>(
    p: ProviderHandle,
    method: string,
    params: readonly unknown[],
    parse: (result: unknown) => T | undefined,
    signal?: AbortSignal,
    lastResort = false,
  ): Promise<{ value: T; latencyMs: number }> {
    const started = this.clock();
    p.begin(started);
    let error: UpstreamError;
    try {
      const { result, latencyMs } = await p.client.call(method, params, signal);
      const value = parse(result);
      if (value === undefined) throw new UpstreamError('bad-response', p.name, `malformed ${method} result`);
      p.end(started);
      this.transition(p, p.ok(latencyMs, this.clock(), lastResort));
      this.onCall?.(p.name, method, 'ok', latencyMs);
      return { value, latencyMs };
    } catch (caught) {
      error = caught instanceof UpstreamError ? caught : new UpstreamError('bad-response', p.name, String(caught));
    }
    p.end(started);
    const now = this.clock();
    const elapsed = now - started;
    if (error.kind === 'cancelled' && signal?.reason !== DEADLINE) {
      p.outpaced(elapsed);
      this.onCall?.(p.name, method, signal?.reason === HEDGE_LOST ? 'hedge' : 'cancelled', elapsed);
      throw error;
    }
    if (error.kind === 'cancelled') {
      error = new UpstreamError('timeout', p.name, `no answer within the ${this.config.requestDeadlineMs} ms request deadline`);
    }
    this.transition(p, p.failed(error, this.redact(error.message), elapsed, now));
    this.onCall?.(p.name, method, error.kind, elapsed);
    throw error;
  }

  private transition(p: ProviderHandle, change: Transition): void {
    if (change === undefined) return;
    const now = this.clock();
    if (change === 'opened') {
      this.log.warn(
        { provider: p.name, err: p.lastError, retryInMs: Math.round(p.breaker.retryInMs(now)) },
        'provider failing: circuit open, reads go elsewhere',
      );
    } else if (change === 'cooling') {
      this.log.warn({ provider: p.name, err: p.lastError, retryInMs: Math.round(p.coolUntil - now) }, 'provider rate-limited us: cooling');
    } else {
      this.log.info({ provider: p.name, latencyMs: Math.round(p.latencyEwma ?? 0) }, 'provider answered its probe: circuit closed');
    }
  }

  private redact(text: string): string {
    return redactText(text, this.config.secrets);
  }

  // ---- chain and head ------------------------------------------------------------------------

  private async checkChain(p: ProviderHandle): Promise<void> {
    await this.invoke(p, 'eth_chainId', [], parseChainId).then(
      ({ value }) => this.learnChain(p, value),
      (error: unknown) => this.log.warn({ provider: p.name, err: this.redact(String((error as Error).message)) }, 'chain id check failed'),
    );
  }

  private learnChain(p: ProviderHandle, id: number): void {
    p.chainCheckedAt = this.clock();
    if (p.chainId !== id) p.head = undefined;
    p.chainId = id;
    if (this.chainId === undefined && this.started) this.chainId = id;
  }

  /** Logs a provider's state when it changes between healthy, wrong chain and lagging. */
  private report(p: ProviderHandle, now: number): void {
    const lag = this.lag(p, now);
    const state = p.state(now, this.chainId, lag, this.config.maxHeadLagBlocks);
    // Open and cooling are logged where they happen; "healthy" only once its head is known again.
    if (state === p.reported || state === 'open' || state === 'cooling' || (state === 'healthy' && lag === undefined)) return;
    const previous = p.reported;
    p.reported = state;
    if (state === 'wrong-chain') {
      this.log.error({ provider: p.name, chainId: p.chainId, expected: this.chainId }, 'provider is on the wrong chain: never read from');
    } else if (state === 'lagging') {
      this.log.warn({ provider: p.name, lag, max: this.config.maxHeadLagBlocks }, 'provider lags behind the head: not read from');
    } else if (state === 'healthy' && previous !== 'unknown') {
      this.log.info({ provider: p.name, was: previous }, 'provider usable again');
    }
  }

  /**
   * Blocks behind the newest head, from the last head it reported however old: a lagging provider
   * stays out of reads until a poll shows it caught up, idle time does not launder it.
   */
  private lag(p: ProviderHandle, _now: number): number | undefined {
    return lagOf(p.head, this.newest);
  }

  private wantsHeadPoll(p: ProviderHandle, now: number): boolean {
    if (p.headInFlight || now < p.coolUntil) return false;
    const chainDue = p.chainId === undefined || now - p.chainCheckedAt >= this.chainCheckMs;
    if (p.chainId !== undefined && p.chainId !== this.chainId && !chainDue) return false;
    const state = p.breaker.state(now);
    return state === 'closed' || p.breaker.tryProbe(now);
  }

  /**
   * When no right-chain provider has a closed circuit, waiting out the cooldowns would turn a
   * recovered provider into seconds of 502s (with one provider, always). Poll them all instead;
   * a success closes the circuit. Polls stay one in flight per provider.
   */
  private lastResortPolls(now: number): ProviderHandle[] {
    const closed = this.providers.some((p) => p.chainId === this.chainId && p.chainId !== undefined && p.breaker.state(now) === 'closed');
    if (closed) return [];
    return this.providers.filter((p) => !p.headInFlight && p.lastResort(now, this.chainId, this.lag(p, now), this.config.maxHeadLagBlocks));
  }

  /** Asks `p` for its latest block (and chain id when due). Never rejects; the latency on success. */
  private async pollHead(p: ProviderHandle, lastResort = false): Promise<number | undefined> {
    p.headInFlight = true;
    const now = this.clock();
    const chainDue = p.chainId === undefined || now - p.chainCheckedAt >= this.chainCheckMs;
    const chain = chainDue ? this.invoke(p, 'eth_chainId', [], parseChainId, undefined, lastResort) : undefined;
    const block =
      p.chainId === undefined || p.chainId === this.chainId
        ? this.invoke(p, 'eth_getBlockByNumber', ['latest', false], parseBlock, undefined, lastResort)
        : undefined;
    const [chainResult, blockResult] = await Promise.allSettled([chain, block]);
    p.headInFlight = false;
    if (chainResult.status === 'fulfilled' && chainResult.value !== undefined) this.learnChain(p, chainResult.value.value);
    if (blockResult.status === 'rejected') {
      // What it said before no longer counts: it must not hold the service head back.
      p.headSeenAt = Number.NEGATIVE_INFINITY;
      return undefined;
    }
    if (blockResult.value === undefined || p.chainId !== this.chainId) return undefined;
    const head = blockResult.value.value;
    // Heads only move forward per provider, except across a reorg at the same height or above.
    if (p.head === undefined || head.number >= p.head.number || this.clock() - p.headSeenAt > this.freshMs) p.head = head;
    p.headSeenAt = this.clock();
    return blockResult.value.latencyMs;
  }

  /**
   * One polling round. Resolves soon after the first answer (a hung provider must not hold the
   * head), or when every poll has settled; late answers still update their provider.
   */
  private refreshHeads(): Promise<Head> {
    if (this.closed) return Promise.reject(new ServiceError('UPSTREAM_UNAVAILABLE', 'shutting down'));
    const now = this.clock();
    let round = this.providers.filter((p) => this.wantsHeadPoll(p, now));
    let lastResort = false;
    if (round.length === 0) {
      round = this.lastResortPolls(now);
      lastResort = true;
    }
    if (round.length === 0) return Promise.resolve().then(() => this.settleHead());
    return new Promise<Head>((resolve, reject) => {
      let left = round.length;
      let done = false;
      let grace: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        if (grace !== undefined) clearTimeout(grace);
        try {
          resolve(this.settleHead());
        } catch (error) {
          reject(error);
        }
      };
      for (const p of round) {
        void this.pollHead(p, lastResort).then((latency) => {
          if (latency !== undefined && grace === undefined && !done) grace = setTimeout(finish, Math.min(250, Math.max(20, latency)));
          if (--left === 0) finish();
        });
      }
    });
  }

  private settleHead(): Head {
    const now = this.clock();
    const views = this.providers.map((p) => ({
      head: p.head,
      seenAt: p.headSeenAt,
      eligible: p.chainId !== undefined && p.chainId === this.chainId && p.breaker.state(now) === 'closed' && now >= p.coolUntil,
    }));
    const consensus = consensusHead(views, now, this.config.maxHeadLagBlocks, this.freshMs, this.tracker.last()?.head.number);
    this.newest = consensus.newest;
    for (const p of this.providers) this.report(p, now);
    if (consensus.head === undefined) throw this.unavailable('no provider on the expected chain has a recent head', new Map());
    return consensus.head;
  }

  currentHead(): Head | undefined {
    return this.tracker.current();
  }

  head(): Promise<Head> {
    return this.tracker.get();
  }

  lastHead(): { head: Head; ageMs: number } | undefined {
    return this.tracker.last();
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Usable providers for a read at `at`, best first; those not known to have the block go last. */
  private candidates(at: Head, now: number): { order: ProviderHandle[]; explored: boolean; lastResort: boolean } {
    const maxLag = this.config.maxHeadLagBlocks;
    let best = Number.POSITIVE_INFINITY;
    for (const p of this.providers) {
      const latency = p.effectiveLatency(now);
      if (latency !== undefined && latency < best && p.state(now, this.chainId, this.lag(p, now), maxLag) === 'healthy') best = latency;
    }
    if (best === Number.POSITIVE_INFINITY) best = 0;
    const ready: ProviderHandle[] = [];
    const unsure: ProviderHandle[] = [];
    for (const p of this.providers) {
      const lag = this.lag(p, now);
      if (p.state(now, this.chainId, lag, maxLag) !== 'healthy') continue;
      p.score = p.scoreAt(now, best, lag, maxLag);
      // Having served a head at or above the pinned block, it has the block (same chain).
      if (p.head !== undefined && p.head.number >= at.number) ready.push(p);
      else unsure.push(p);
    }
    const ranking = rank(ready, this.random);
    unsure.sort((a, b) => b.score - a.score);
    for (const p of unsure) ranking.order.push(p);
    if (ranking.order.length > 0) return { ...ranking, lastResort: false };
    // Every circuit open: ask them anyway, the soonest to reopen first, rather than fail unasked.
    const open = this.providers.filter((p) => p.lastResort(now, this.chainId, this.lag(p, now), maxLag));
    open.sort((a, b) => a.breaker.retryInMs(now) - b.breaker.retryInMs(now));
    return { order: open, explored: false, lastResort: true };
  }

  async getBalance(address: string, at: Head): Promise<BalanceRead> {
    const now = this.clock();
    const { order, explored, lastResort } = this.candidates(at, now);
    const failures = new Map<ProviderHandle, UpstreamError>();
    if (order.length === 0) throw this.unavailable('no provider can serve reads right now', failures);
    // An exploration pick is hedged on the best provider's delay: exploring must not cost clients.
    const bestP95 = explored && order.length > 1 ? order[1]!.latencies.p95() : undefined;
    const params = [address, { blockHash: at.hash }];
    try {
      return await failover({
        order,
        failures,
        budget: this.budget,
        deadlineMs: this.config.requestDeadlineMs,
        hedgeDelayMs: (p, attempt) => hedgeDelayMs(attempt === 1 && bestP95 !== undefined ? bestP95 : p.latencies.p95()),
        read: async (p, signal) => {
          const { value, latencyMs } = await this.invoke(p, 'eth_getBalance', params, parseQuantity, signal, lastResort);
          return { wei: value, latencyMs, provider: p.name };
        },
      });
    } catch {
      throw this.unavailable(`no provider answered the balance at block ${at.numberHex}`, failures, order);
    }
  }

  // ---- visibility ----------------------------------------------------------------------------

  /** The 502: every provider with its redacted cause, tried or not. */
  private unavailable(detail: string, failures: Map<ProviderHandle, UpstreamError>, tried: readonly ProviderHandle[] = []): ServiceError {
    const now = this.clock();
    const causes: Cause[] = this.providers.map((p) => {
      const failure = failures.get(p);
      if (failure !== undefined) return { name: p.name, kind: failure.kind, error: this.redact(failure.message) };
      if (tried.includes(p)) return { name: p.name, kind: 'unavailable', error: 'not reached before the request deadline' };
      return { name: p.name, ...this.whyNot(p, now) };
    });
    return new ServiceError('UPSTREAM_UNAVAILABLE', detail, { extra: { providers: causes } });
  }

  private whyNot(p: ProviderHandle, now: number): { kind: string; error: string } {
    const lag = this.lag(p, now);
    const last = p.lastError === undefined ? '' : `: ${p.lastError}`;
    switch (p.state(now, this.chainId, lag, this.config.maxHeadLagBlocks)) {
      case 'unknown':
        return { kind: p.lastErrorKind ?? 'unavailable', error: `chain id unknown${last}` };
      case 'wrong-chain':
        return { kind: 'wrong-chain', error: `on chain ${p.chainId}, expected ${this.chainId}` };
      case 'open':
        return { kind: p.lastErrorKind ?? 'unavailable', error: `circuit open for ${Math.ceil(p.breaker.retryInMs(now))} ms${last}` };
      case 'cooling':
        return { kind: 'rate-limited', error: `rate limited, cooling for ${Math.ceil(p.coolUntil - now)} ms` };
      case 'lagging':
        return { kind: 'lagging', error: `${lag} blocks behind the head (max ${this.config.maxHeadLagBlocks})` };
      case 'healthy':
        return { kind: p.lastErrorKind ?? 'unavailable', error: `no recent head${last}` };
    }
  }

  ready(): boolean {
    const now = this.clock();
    return this.tracker.last() !== undefined && this.providers.some((p) => p.state(now, this.chainId, this.lag(p, now), this.config.maxHeadLagBlocks) === 'healthy');
  }

  snapshot(): ProviderSnapshot[] {
    const now = this.clock();
    const maxLag = this.config.maxHeadLagBlocks;
    let best = Number.POSITIVE_INFINITY;
    for (const p of this.providers) best = Math.min(best, p.effectiveLatency(now) ?? Number.POSITIVE_INFINITY);
    if (best === Number.POSITIVE_INFINITY) best = 0;
    return this.providers.map((p) => {
      const lag = this.lag(p, now);
      const state = p.state(now, this.chainId, lag, maxLag);
      const recent = p.recent(now);
      const latency = p.latencyEwma;
      const p95 = p.latencies.p95();
      return {
        name: p.name,
        url: p.url,
        chainId: p.chainId,
        head: p.head?.numberHex,
        lag,
        score: state === 'healthy' ? round(p.scoreAt(now, best, lag, maxLag), 3) : 0,
        state,
        latencyMs: latency === undefined ? undefined : round(latency, 2),
        p95Ms: p95 === undefined ? undefined : round(p95, 2),
        requests: p.requests,
        errors: p.errors,
        recent: { ok: recent.ok, errors: recent.errors, rateLimited: recent.rateLimited },
        retryInMs: state === 'open' ? Math.ceil(p.breaker.retryInMs(now)) : state === 'cooling' ? Math.ceil(p.coolUntil - now) : undefined,
        lastError: p.lastError,
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.providers.map((p) => p.client.close()));
  }
}

function parseChainId(result: unknown): number | undefined {
  const id = parseQuantity(result);
  return id === undefined || id > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(id);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
