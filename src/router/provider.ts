/**
 * One upstream provider as the router sees it, and the single owner of its state: its chain, its
 * own latest block, its latency, its health record and breaker. Nothing outside writes a field;
 * callers report what happened through the named transitions below (a call started or ended, an
 * answer, a failure, a chain id, a latest block), and read the rest. Reads never change state.
 *
 * Names of heads: a `Head` is a block (number + hash). A provider's `latest` is the newest block it
 * told us about; the *service head* is the consensus of those (router/head-consensus.ts), the block
 * reads are pinned to; `ChainView.newest` is the highest block number among usable providers, the
 * bar lag is measured from.
 */
import type { Head } from '../chain/head.js';
import { RpcClient } from '../chain/rpc-client.js';
import type { UpstreamError } from '../chain/upstream-error.js';
import type { ProviderConfig } from '../config/config.js';
import { redactUrl } from '../observability/redact.js';
import { CircuitBreaker, rateLimitCooldownMs } from '../resilience/breaker.js';
import { lagOf, type HeadView } from './head-consensus.js';
import { ProviderLatency } from './latency.js';
import { errorRate, RollingWindow, score, type WindowCounts } from './scoring.js';
import type { ProviderState } from './upstream.js';

/** What a recorded outcome changed, so the router can log transitions once. */
export type Transition = 'opened' | 'recovered' | 'cooling' | undefined;

/**
 * What every provider is measured against: the chain it must be on and the newest block number
 * among usable providers (lag counts from it). Written by the head poller only.
 */
export class ChainView {
  private expected: number | undefined;
  private newestNumber: bigint | undefined;

  constructor(
    expectedChainId: number | undefined,
    readonly maxLag: number,
  ) {
    this.expected = expectedChainId;
  }

  get chainId(): number | undefined {
    return this.expected;
  }

  get newest(): bigint | undefined {
    return this.newestNumber;
  }

  /** Development only (no EXPECTED_CHAIN_ID): the first chain id an answer named. */
  expect(chainId: number): void {
    this.expected ??= chainId;
  }

  newestIs(number: bigint | undefined): void {
    this.newestNumber = number;
  }
}

export class ProviderHandle {
  readonly name: string;
  /** Redacted; safe to show. */
  readonly url: string;
  readonly client: RpcClient;
  /** Scratch for the read being routed, written by the router's ranking (no wrapper per candidate). */
  score = 0;

  private chain: number | undefined;
  private chainCheckedAt = Number.NEGATIVE_INFINITY;
  /** Whether its latest state has Multicall3's code (chain/multicall.ts); undefined until it said. */
  private multicallCode: boolean | undefined;
  private latestBlock: Head | undefined;
  private latestSeenAt = Number.NEGATIVE_INFINITY;
  private polling = false;
  /** Last state logged, to log changes only. */
  private reported: ProviderState = 'unknown';

  private readonly latency = new ProviderLatency();
  private readonly window = new RollingWindow();
  private readonly breaker = new CircuitBreaker();
  private coolUntil = 0;
  /** Caught lying (src/verify/): out of reads, heads and votes until then. */
  private untrustedUntil = 0;
  private lieCount = 0;
  private requestCount = 0;
  private errorCount = 0;
  private lastErrorText: string | undefined;
  private lastErrorKindValue: UpstreamError['kind'] | undefined;
  private readonly counts: WindowCounts = { ok: 0, errors: 0, rateLimited: 0 };

  constructor(
    config: ProviderConfig,
    timeoutMs: number,
    private readonly view: ChainView,
    /** Largest JSON-RPC batch one HTTP request carries (UPSTREAM_BATCH_MAX). */
    maxBatch = 100,
  ) {
    this.name = config.name;
    this.url = redactUrl(config.url);
    this.client = new RpcClient(config, { timeoutMs, maxBatch });
  }

  // ---- reads ---------------------------------------------------------------------------------

  get chainId(): number | undefined {
    return this.chain;
  }

  /** Batch reads may go through Multicall3 here: it reported the contract's code (and has not refused a call since). */
  get hasMulticall(): boolean {
    return this.multicallCode === true;
  }

  /** Not yet known whether it has Multicall3: the next chain check asks along. */
  get multicallUnknown(): boolean {
    return this.multicallCode === undefined;
  }

  /** The newest block this provider told us about, however old (lag counts from it). */
  get latest(): Head | undefined {
    return this.latestBlock;
  }

  get latencyEwma(): number | undefined {
    return this.latency.ewma;
  }

  get requests(): number {
    return this.requestCount;
  }

  get errors(): number {
    return this.errorCount;
  }

  get lastError(): string | undefined {
    return this.lastErrorText;
  }

  get lastErrorKind(): UpstreamError['kind'] | undefined {
    return this.lastErrorKindValue;
  }

  /** Answers that failed verification since start. */
  get lies(): number {
    return this.lieCount;
  }

  /** Milliseconds left of its untrusted cool-down (<= 0 when trusted). */
  untrustedForMs(now: number): number {
    return this.untrustedUntil - now;
  }

  p95(): number | undefined {
    return this.latency.p95();
  }

  effectiveLatency(now: number): number | undefined {
    return this.latency.effective(now);
  }

  /**
   * Blocks behind the newest block, from the last one it reported however old: a lagging provider
   * stays out of reads until a poll shows it caught up; idle time does not launder it.
   */
  lag(): number | undefined {
    return lagOf(this.latestBlock, this.view.newest);
  }

  onExpectedChain(): boolean {
    return this.chain !== undefined && this.chain === this.view.chainId;
  }

  /** Its circuit closed at `now` (a half-open or open one takes probes or last-resort calls only). */
  circuitClosed(now: number): boolean {
    return this.breaker.state(now) === 'closed';
  }

  /** Right chain, circuit closed, not cooling, trusted: its head counts toward the service head. */
  servesReads(now: number): boolean {
    return this.onExpectedChain() && this.circuitClosed(now) && now >= this.coolUntil && now >= this.untrustedUntil;
  }

  /** The one eligibility rule for reads: serves reads and is not lagging. */
  isUsable(now: number): boolean {
    return this.servesReads(now) && !this.lagging();
  }

  /** Right chain, not cooling, not lagging, but its circuit is not closed: asked only as a last resort. */
  isLastResort(now: number): boolean {
    return this.onExpectedChain() && !this.circuitClosed(now) && now >= this.coolUntil && now >= this.untrustedUntil && !this.lagging();
  }

  state(now: number): ProviderState {
    if (this.chain === undefined) return 'unknown';
    if (this.chain !== this.view.chainId) return 'wrong-chain';
    if (now < this.untrustedUntil) return 'untrusted';
    if (!this.circuitClosed(now)) return 'open';
    if (now < this.coolUntil) return 'cooling';
    if (this.lagging()) return 'lagging';
    return 'healthy';
  }

  /** The state last logged (the poller logs changes only). */
  get reportedState(): ProviderState {
    return this.reported;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  retryInMs(now: number): number {
    return this.breaker.retryInMs(now);
  }

  /** Milliseconds left of a rate-limit cooldown (<= 0 when not cooling). */
  coolingForMs(now: number): number {
    return this.coolUntil - now;
  }

  /** Whether its chain id is due for a check (never checked, or CHAIN_CHECK_INTERVAL_MS passed). */
  chainDue(now: number, intervalMs: number): boolean {
    return this.chain === undefined || now - this.chainCheckedAt >= intervalMs;
  }

  get pollInFlight(): boolean {
    return this.polling;
  }

  /** What the consensus needs of it (router/head-consensus.ts). */
  headView(now: number): HeadView {
    return { latest: this.latestBlock, seenAt: this.latestSeenAt, eligible: this.servesReads(now) };
  }

  recent(now: number): WindowCounts {
    return this.window.totals(now, this.counts);
  }

  /** Health score for ranking (router/scoring.ts). */
  scoreAt(now: number, bestLatencyMs: number): number {
    const counts = this.recent(now);
    return score({
      latencyMs: this.latency.effective(now),
      bestLatencyMs,
      errorRate: errorRate(counts.ok, counts.errors),
      rateLimited: counts.rateLimited,
      lag: this.lag(),
      maxLag: this.view.maxLag,
      consecutiveFailures: this.breaker.consecutiveFailures,
    });
  }

  private lagging(): boolean {
    const lag = this.lag();
    return lag !== undefined && lag > this.view.maxLag;
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** A request carrying `calls` calls (a batch read's chunk carries many) left for this provider. */
  callStarted(now: number, calls = 1): void {
    this.latency.callStarted(now);
    this.requestCount += calls;
  }

  callEnded(started: number): void {
    this.latency.callEnded(started);
  }

  answered(latencyMs: number, now: number, lastResort = false): Transition {
    this.latency.answered(latencyMs);
    this.window.add('ok', now);
    if (!this.breaker.success(now, lastResort)) return undefined;
    // Back from open: judge it on what it does now, not on the outage.
    this.window.clear();
    this.latency.restart(latencyMs);
    return 'recovered';
  }

  /** A call withdrawn because another provider answered first: it was at least this slow. */
  outpaced(elapsedMs: number): void {
    this.latency.atLeast(elapsedMs);
  }

  /** A failure the provider caused (an UpstreamError); our own bugs never come here. */
  failed(error: UpstreamError, message: string, elapsedMs: number, now: number): Transition {
    this.errorCount++;
    this.lastErrorText = message;
    this.lastErrorKindValue = error.kind;
    switch (error.kind) {
      case 'rate-limited': {
        // One episode, however many calls of a batch the limit hit.
        const wasCooling = now < this.coolUntil;
        this.coolUntil = Math.max(this.coolUntil, now + rateLimitCooldownMs(error.retryAfterMs));
        if (wasCooling) return undefined;
        this.window.add('rate-limited', now);
        return 'cooling';
      }
      case 'block-not-found':
      case 'state-unavailable':
      case 'invalid-request':
      case 'cancelled':
        // Not the provider's fault: skip it for this read, keep its health.
        return undefined;
      default:
        if (error.kind === 'timeout') this.latency.atLeast(elapsedMs);
        this.window.add('error', now);
        return this.breaker.failure(now) ? 'opened' : undefined;
    }
  }

  /**
   * Claims a head poll at `now` if it should get one: not polled already, not cooling, a chain
   * check due if on another chain, and its circuit closed or half-open with the single probe free
   * (which this claims).
   */
  claimPoll(now: number, chainCheckIntervalMs: number): boolean {
    if (this.polling || now < this.coolUntil || now < this.untrustedUntil) return false;
    if (this.chain !== undefined && this.chain !== this.view.chainId && !this.chainDue(now, chainCheckIntervalMs)) return false;
    return this.circuitClosed(now) || this.breaker.tryProbe(now);
  }

  pollStarted(): void {
    this.polling = true;
  }

  pollEnded(): void {
    this.polling = false;
  }

  /** Its answer to eth_getCode(MULTICALL3). */
  multicallAnswered(hasCode: boolean): void {
    this.multicallCode = hasCode;
  }

  /**
   * It refused a Multicall3 call (eth_call not allowed, out of gas, an internal error): no batch
   * goes through Multicall3 here until the next chain check has asked for its code again.
   */
  multicallRefused(): void {
    this.multicallCode = undefined;
  }

  chainAnswered(chainId: number, now: number): void {
    this.chainCheckedAt = now;
    if (this.chain !== chainId) {
      this.latestBlock = undefined;
      this.multicallCode = undefined;
    }
    this.chain = chainId;
  }

  /** A head poll answered. Its latest block only moves forward, unless what we had is stale. */
  latestAnswered(head: Head, now: number, freshMs: number): void {
    if (this.latestBlock === undefined || head.number >= this.latestBlock.number || now - this.latestSeenAt > freshMs) this.latestBlock = head;
    this.latestSeenAt = now;
  }

  /** A head poll failed: what it said before no longer counts, so it cannot hold the service head back. */
  latestFailed(): void {
    this.latestSeenAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Caught lying: an answer the math refutes (src/verify/). Left out of reads, heads and votes
   * until `until`. Returns whether it was trusted before (the caller logs that transition once).
   */
  lied(message: string, now: number, until: number): boolean {
    const wasTrusted = now >= this.untrustedUntil;
    this.untrustedUntil = Math.max(this.untrustedUntil, until);
    this.lieCount++;
    this.errorCount++;
    this.lastErrorText = message;
    this.lastErrorKindValue = 'unverifiable';
    return wasTrusted;
  }

  /** Records `state` as logged; returns the state logged before. */
  reportedAs(state: ProviderState): ProviderState {
    const previous = this.reported;
    this.reported = state;
    return previous;
  }
}
