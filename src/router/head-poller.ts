/**
 * Chain ids and heads, per provider, and the service head made of them.
 *
 * - Chain: eth_chainId at start and every CHAIN_CHECK_INTERVAL_MS after, riding along with a head
 *   poll (one JSON-RPC batch), so an idle service polls nothing.
 * - Heads: a polling round asks each usable provider for its latest block, resolves soon after the
 *   first answer (a hung provider must not hold the head) and lets late answers update their
 *   provider. The service head is the consensus of router/head-consensus.ts.
 * - Probes: a provider whose circuit is half-open is probed by its head poll. When no right-chain
 *   provider has a closed circuit, all of them are polled (last resort): waiting out cooldowns would
 *   turn a recovered provider into seconds of 502s, and with a single provider, always.
 */
import { parseBlock, type Head } from '../chain/head.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { consensusHead, lagOf } from './head-consensus.js';
import { parseChainId, type ProviderCalls } from './provider-calls.js';
import type { ProviderHandle } from './provider.js';

/** A provider's head older than this (or 3 head lifetimes) no longer counts toward the consensus. */
const HEAD_FRESH_FLOOR_MS = 3000;
/** After the first answer of a round, wait this long at most for the others (ms). */
const MAX_GRACE_MS = 250;

export interface HeadPollerDeps {
  readonly providers: readonly ProviderHandle[];
  readonly calls: ProviderCalls;
  readonly config: Config;
  readonly log: Logger;
  readonly clock: () => number;
  readonly chainCheckIntervalMs: number;
  /** Number of the newest head already served: lag also counts from it. */
  readonly served: () => bigint | undefined;
  /** The error when no head can be had (the router lists every provider's cause). */
  readonly unavailable: (detail: string) => Error;
}

export class HeadPoller {
  /** The chain every provider must be on (learned from the first answer in development). */
  chainId: number | undefined;
  /** Newest head number among usable providers (or served), for lag. */
  private newest: bigint | undefined;
  private started = false;
  private closed = false;
  private readonly freshMs: number;

  constructor(private readonly deps: HeadPollerDeps) {
    this.chainId = deps.config.expectedChainId;
    this.freshMs = Math.max(HEAD_FRESH_FLOOR_MS, 3 * deps.config.headMaxAgeMs);
  }

  /** Checks every provider's chain id; the first configured provider that answered decides when none is expected. */
  async start(): Promise<void> {
    await Promise.all(
      this.deps.providers.map((p) =>
        this.deps.calls.invoke(p, 'eth_chainId', [], parseChainId).then(
          ({ value }) => this.learnChain(p, value),
          (error: unknown) => this.deps.log.warn({ provider: p.name, err: this.deps.calls.redact((error as Error).message) }, 'chain id check failed'),
        ),
      ),
    );
    this.chainId ??= this.deps.providers.find((p) => p.chainId !== undefined)?.chainId;
    this.started = true;
    const now = this.deps.clock();
    for (const p of this.deps.providers) this.report(p, now);
  }

  close(): void {
    this.closed = true;
  }

  /**
   * Blocks behind the newest head, from the last head it reported however old: a lagging provider
   * stays out of reads until a poll shows it caught up; idle time does not launder it.
   */
  lag(p: ProviderHandle): number | undefined {
    return lagOf(p.head, this.newest);
  }

  /** One polling round, then the consensus head; rejects with `unavailable` when there is none. */
  refresh(): Promise<Head> {
    if (this.closed) return Promise.reject(this.deps.unavailable('shutting down'));
    const now = this.deps.clock();
    let round = this.deps.providers.filter((p) => this.wantsPoll(p, now));
    let lastResort = false;
    if (round.length === 0) {
      round = this.lastResortPolls(now);
      lastResort = true;
    }
    if (round.length === 0) return Promise.resolve().then(() => this.settle());
    return new Promise<Head>((resolve, reject) => {
      let left = round.length;
      let done = false;
      let grace: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        if (grace !== undefined) clearTimeout(grace);
        try {
          resolve(this.settle());
        } catch (error) {
          reject(error);
        }
      };
      for (const p of round) {
        void this.poll(p, lastResort).then((latency) => {
          if (latency !== undefined && grace === undefined && !done) grace = setTimeout(finish, Math.min(MAX_GRACE_MS, Math.max(20, latency)));
          if (--left === 0) finish();
        });
      }
    });
  }

  private chainDue(p: ProviderHandle, now: number): boolean {
    return p.chainId === undefined || now - p.chainCheckedAt >= this.deps.chainCheckIntervalMs;
  }

  private wantsPoll(p: ProviderHandle, now: number): boolean {
    if (p.headInFlight || now < p.coolUntil) return false;
    if (p.chainId !== undefined && p.chainId !== this.chainId && !this.chainDue(p, now)) return false;
    return p.breaker.state(now) === 'closed' || p.breaker.tryProbe(now);
  }

  private lastResortPolls(now: number): ProviderHandle[] {
    const anyClosed = this.deps.providers.some((p) => p.chainId !== undefined && p.chainId === this.chainId && p.breaker.state(now) === 'closed');
    if (anyClosed) return [];
    return this.deps.providers.filter((p) => !p.headInFlight && p.lastResort(now, this.chainId, this.lag(p), this.deps.config.maxHeadLagBlocks));
  }

  /** Asks `p` for its latest block (and chain id when due). Never rejects; the latency on success. */
  private async poll(p: ProviderHandle, lastResort: boolean): Promise<number | undefined> {
    const { calls } = this.deps;
    p.headInFlight = true;
    const now = this.deps.clock();
    const chain = this.chainDue(p, now) ? calls.invoke(p, 'eth_chainId', [], parseChainId, { lastResort }) : undefined;
    const block =
      p.chainId === undefined || p.chainId === this.chainId
        ? calls.invoke(p, 'eth_getBlockByNumber', ['latest', false], parseBlock, { lastResort })
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
    const seenAt = this.deps.clock();
    // A provider's head only moves forward, unless what we had of it is stale.
    if (p.head === undefined || head.number >= p.head.number || seenAt - p.headSeenAt > this.freshMs) p.head = head;
    p.headSeenAt = seenAt;
    return blockResult.value.latencyMs;
  }

  private learnChain(p: ProviderHandle, id: number): void {
    p.chainCheckedAt = this.deps.clock();
    if (p.chainId !== id) p.head = undefined;
    p.chainId = id;
    if (this.chainId === undefined && this.started) this.chainId = id;
  }

  private settle(): Head {
    const now = this.deps.clock();
    const views = this.deps.providers.map((p) => ({
      head: p.head,
      seenAt: p.headSeenAt,
      eligible: p.chainId !== undefined && p.chainId === this.chainId && p.breaker.state(now) === 'closed' && now >= p.coolUntil,
    }));
    const consensus = consensusHead(views, now, this.deps.config.maxHeadLagBlocks, this.freshMs, this.deps.served());
    this.newest = consensus.newest;
    for (const p of this.deps.providers) this.report(p, now);
    if (consensus.head === undefined) throw this.deps.unavailable('no provider on the expected chain has a recent head');
    return consensus.head;
  }

  /** Logs a provider's state when it changes between healthy, wrong chain and lagging. */
  private report(p: ProviderHandle, now: number): void {
    const { log, config } = this.deps;
    const lag = this.lag(p);
    const state = p.state(now, this.chainId, lag, config.maxHeadLagBlocks);
    // Open and cooling are logged where they happen; "healthy" only once its head is known again.
    if (state === p.reported || state === 'open' || state === 'cooling' || (state === 'healthy' && lag === undefined)) return;
    const previous = p.reported;
    p.reported = state;
    if (state === 'wrong-chain') {
      log.error({ provider: p.name, chainId: p.chainId, expected: this.chainId }, 'provider is on the wrong chain: never read from');
    } else if (state === 'lagging') {
      log.warn({ provider: p.name, lag, max: config.maxHeadLagBlocks }, 'provider lags behind the head: not read from');
    } else if (state === 'healthy' && previous !== 'unknown') {
      log.info({ provider: p.name, was: previous }, 'provider usable again');
    }
  }
}
