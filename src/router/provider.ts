/**
 * One upstream provider as the router sees it: its RPC client (the I/O), its chain, its own latest
 * block, its latency, and its health record (router/provider-health.ts, breaker and cooldowns).
 * Nothing outside writes a field; callers report what happened through the named transitions below
 * (a call started or ended, an answer, a failure, a chain id, a latest block), and read the rest.
 */
import type { Head } from '../chain/head.js';
import { RpcClient } from '../chain/rpc-client.js';
import type { UpstreamError } from '../chain/upstream-error.js';
import type { ProviderConfig } from '../config/config.js';
import { redactUrl } from '../observability/redact.js';
import type { ChainView } from './chain-view.js';
import { lagOf, type HeadView } from './head-consensus.js';
import { ProviderLatency } from './latency.js';
import { ProviderHealth, type Transition } from './provider-health.js';
import { errorRate, score, type WindowCounts } from './scoring.js';
import type { ProviderState } from './upstream.js';

export class ProviderHandle {
  readonly name: string;
  /** Redacted; safe to show. */
  readonly url: string;
  readonly client: RpcClient;
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
  private readonly health = new ProviderHealth();
  private requestCount = 0;

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
    return this.health.errors;
  }

  get lastError(): string | undefined {
    return this.health.lastError;
  }

  get lastErrorKind(): UpstreamError['kind'] | undefined {
    return this.health.lastErrorKind;
  }

  /** Answers that failed verification since start. */
  get lies(): number {
    return this.health.lies;
  }

  /** Milliseconds left of its untrusted cool-down (<= 0 when trusted). */
  untrustedForMs(now: number): number {
    return this.health.untrustedForMs(now);
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
    return this.health.circuitClosed(now);
  }

  /** Right chain, circuit closed, not cooling, trusted: its head counts toward the service head. */
  servesReads(now: number): boolean {
    return this.onExpectedChain() && this.circuitClosed(now) && !this.health.cooling(now) && !this.health.untrusted(now);
  }

  /** The one eligibility rule for reads: serves reads and is not lagging. */
  isUsable(now: number): boolean {
    return this.servesReads(now) && !this.lagging();
  }

  /** Right chain, not cooling, not lagging, but its circuit is not closed: asked only as a last resort. */
  isLastResort(now: number): boolean {
    return this.onExpectedChain() && !this.circuitClosed(now) && !this.health.cooling(now) && !this.health.untrusted(now) && !this.lagging();
  }

  state(now: number): ProviderState {
    if (this.chain === undefined) return 'unknown';
    if (this.chain !== this.view.chainId) return 'wrong-chain';
    if (this.health.untrusted(now)) return 'untrusted';
    if (!this.circuitClosed(now)) return 'open';
    if (this.health.cooling(now)) return 'cooling';
    if (this.lagging()) return 'lagging';
    return 'healthy';
  }

  /** The state last logged (the poller logs changes only). */
  get reportedState(): ProviderState {
    return this.reported;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  retryInMs(now: number): number {
    return this.health.retryInMs(now);
  }

  /** Milliseconds left of a rate-limit cooldown (<= 0 when not cooling). */
  coolingForMs(now: number): number {
    return this.health.coolingForMs(now);
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
    return this.health.recent(now);
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
      consecutiveFailures: this.health.consecutiveFailures,
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
    const transition = this.health.answered(now, lastResort);
    // Back from open: judge its latency on what it does now, not on the outage.
    if (transition === 'recovered') this.latency.restart(latencyMs);
    return transition;
  }

  /** A call withdrawn because another provider answered first: it was at least this slow. */
  outpaced(elapsedMs: number): void {
    this.latency.atLeast(elapsedMs);
  }

  /** A failure the provider caused (an UpstreamError); our own bugs never come here. */
  failed(error: UpstreamError, message: string, elapsedMs: number, now: number): Transition {
    if (error.kind === 'timeout') this.latency.atLeast(elapsedMs);
    return this.health.failed(error, message, now);
  }

  /**
   * Claims a head poll at `now` if it should get one: not polled already, not cooling, a chain
   * check due if on another chain, and its circuit closed or half-open with the single probe free
   * (which this claims).
   */
  claimPoll(now: number, chainCheckIntervalMs: number): boolean {
    if (this.polling || this.health.cooling(now) || this.health.untrusted(now)) return false;
    if (this.chain !== undefined && this.chain !== this.view.chainId && !this.chainDue(now, chainCheckIntervalMs)) return false;
    return this.circuitClosed(now) || this.health.tryProbe(now);
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
    return this.health.lied(message, now, until);
  }

  /** Records `state` as logged; returns the state logged before. */
  reportedAs(state: ProviderState): ProviderState {
    const previous = this.reported;
    this.reported = state;
    return previous;
  }
}
