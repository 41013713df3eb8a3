/**
 * One upstream provider as the router sees it: its client, what we know of its chain and head, and
 * the health record the scoring reads. Outcomes are recorded here so every call path (head polls,
 * probes, reads, hedges) feeds the same numbers.
 */
import type { Head } from '../chain/head.js';
import { RpcClient } from '../chain/rpc-client.js';
import type { UpstreamError } from '../chain/upstream-error.js';
import type { ProviderConfig } from '../config/config.js';
import { redactUrl } from '../observability/redact.js';
import { CircuitBreaker, rateLimitCooldownMs } from './breaker.js';
import { LatencyWindow } from './hedge.js';
import { ewma, errorRate, RollingWindow, score, type WindowCounts } from './scoring.js';
import type { ProviderState } from './upstream.js';

/** What a recorded outcome changed, so the router can log transitions once. */
export type Transition = 'opened' | 'recovered' | 'cooling' | undefined;

export class ProviderHandle {
  readonly name: string;
  /** Redacted; safe to show. */
  readonly url: string;
  readonly client: RpcClient;

  chainId: number | undefined;
  chainCheckedAt = Number.NEGATIVE_INFINITY;
  head: Head | undefined;
  headSeenAt = Number.NEGATIVE_INFINITY;
  headInFlight = false;
  /** Last state logged, to log changes only. */
  reported: ProviderState = 'unknown';

  latencyEwma: number | undefined;
  readonly latencies = new LatencyWindow();
  readonly window = new RollingWindow();
  readonly breaker = new CircuitBreaker();
  coolUntil = 0;

  private inflight = 0;
  private inflightStartSum = 0;
  requests = 0;
  errors = 0;
  lastError: string | undefined;
  lastErrorKind: UpstreamError['kind'] | undefined;

  /** Scratch for the read being routed (avoids a wrapper object per candidate). */
  score = 0;
  private readonly counts: WindowCounts = { ok: 0, errors: 0, rateLimited: 0 };

  constructor(config: ProviderConfig, timeoutMs: number) {
    this.name = config.name;
    this.url = redactUrl(config.url);
    this.client = new RpcClient(config, { timeoutMs });
  }

  begin(now: number): void {
    this.inflight++;
    this.inflightStartSum += now;
    this.requests++;
  }

  end(started: number): void {
    this.inflight--;
    this.inflightStartSum -= started;
    if (this.inflight === 0) this.inflightStartSum = 0;
  }

  /**
   * The latency to rank by: the EWMA of answers, or the mean age of calls still out if larger. A
   * provider that stops answering loses traffic within milliseconds, long before a timeout.
   */
  effectiveLatency(now: number): number | undefined {
    const age = this.inflight === 0 ? 0 : now - this.inflightStartSum / this.inflight;
    if (this.latencyEwma === undefined) return this.inflight === 0 ? undefined : age;
    return age > this.latencyEwma ? age : this.latencyEwma;
  }

  ok(latencyMs: number, now: number, lastResort = false): Transition {
    this.latencyEwma = ewma(this.latencyEwma, latencyMs);
    this.latencies.add(latencyMs);
    this.window.add('ok', now);
    if (!this.breaker.success(now, lastResort)) return undefined;
    // Back from open: judge it on what it does now, not on the outage.
    this.window.clear();
    this.latencies.clear();
    this.latencies.add(latencyMs);
    this.latencyEwma = latencyMs;
    return 'recovered';
  }

  /** A call withdrawn because another provider answered first: it was at least this slow. */
  outpaced(elapsedMs: number): void {
    this.latencyEwma = ewma(this.latencyEwma, elapsedMs);
  }

  failed(error: UpstreamError, message: string, elapsedMs: number, now: number): Transition {
    this.errors++;
    this.lastError = message;
    this.lastErrorKind = error.kind;
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
      case 'invalid-request':
      case 'cancelled':
        // Not the provider's fault: skip it for this read, keep its health.
        return undefined;
      default:
        if (error.kind === 'timeout') this.latencyEwma = ewma(this.latencyEwma, elapsedMs);
        this.window.add('error', now);
        return this.breaker.failure(now) ? 'opened' : undefined;
    }
  }

  recent(now: number): WindowCounts {
    return this.window.totals(now, this.counts);
  }

  /** Health score for ranking; `lag` undefined when the head is unknown or stale. */
  scoreAt(now: number, bestLatencyMs: number, lag: number | undefined, maxLag: number): number {
    const counts = this.recent(now);
    return score({
      latencyMs: this.effectiveLatency(now),
      bestLatencyMs,
      errorRate: errorRate(counts.ok, counts.errors),
      rateLimited: counts.rateLimited,
      lag,
      maxLag,
      consecutiveFailures: this.breaker.consecutiveFailures,
    });
  }

  /** Right chain, not cooling, not lagging, but its circuit is not closed: asked only as a last resort. */
  lastResort(now: number, expectedChainId: number | undefined, lag: number | undefined, maxLag: number): boolean {
    return (
      this.chainId !== undefined &&
      this.chainId === expectedChainId &&
      this.breaker.state(now) !== 'closed' &&
      now >= this.coolUntil &&
      (lag === undefined || lag <= maxLag)
    );
  }

  state(now: number, expectedChainId: number | undefined, lag: number | undefined, maxLag: number): ProviderState {
    if (this.chainId === undefined) return 'unknown';
    if (this.chainId !== expectedChainId) return 'wrong-chain';
    if (this.breaker.state(now) !== 'closed') return 'open';
    if (now < this.coolUntil) return 'cooling';
    if (lag !== undefined && lag > maxLag) return 'lagging';
    return 'healthy';
  }
}
