/**
 * One provider's health record, pure state and named transitions: its breaker, its rolling window
 * of outcomes, a rate-limit cooldown, an untrusted cooldown after a lie, its error counters. Time
 * comes in as `now` on every call (monotonic milliseconds), so tests drive it without waiting.
 */
import type { UpstreamError } from '../chain/upstream-error.js';
import { CircuitBreaker, rateLimitCooldownMs } from '../resilience/breaker.js';
import { RollingWindow, type WindowCounts } from './scoring.js';

/** What a recorded outcome changed, so the router can log transitions once. */
export type Transition = 'opened' | 'recovered' | 'cooling' | undefined;

export class ProviderHealth {
  private readonly window = new RollingWindow();
  private readonly breaker = new CircuitBreaker();
  private readonly counts: WindowCounts = { ok: 0, errors: 0, rateLimited: 0 };
  private coolUntil = 0;
  /** Caught lying (src/verify/): out of reads, heads and votes until then. */
  private untrustedUntil = 0;
  private lieCount = 0;
  private errorCount = 0;
  private lastErrorText: string | undefined;
  private lastErrorKindValue: UpstreamError['kind'] | undefined;

  get errors(): number {
    return this.errorCount;
  }

  get lastError(): string | undefined {
    return this.lastErrorText;
  }

  get lastErrorKind(): UpstreamError['kind'] | undefined {
    return this.lastErrorKindValue;
  }

  get lies(): number {
    return this.lieCount;
  }

  get consecutiveFailures(): number {
    return this.breaker.consecutiveFailures;
  }

  circuitClosed(now: number): boolean {
    return this.breaker.state(now) === 'closed';
  }

  cooling(now: number): boolean {
    return now < this.coolUntil;
  }

  untrusted(now: number): boolean {
    return now < this.untrustedUntil;
  }

  retryInMs(now: number): number {
    return this.breaker.retryInMs(now);
  }

  coolingForMs(now: number): number {
    return this.coolUntil - now;
  }

  untrustedForMs(now: number): number {
    return this.untrustedUntil - now;
  }

  recent(now: number): WindowCounts {
    return this.window.totals(now, this.counts);
  }

  /** Claims a half-open circuit's single probe, if free. */
  tryProbe(now: number): boolean {
    return this.breaker.tryProbe(now);
  }

  /** An answer; 'recovered' when it closed an open circuit (the window restarts then). */
  answered(now: number, lastResort: boolean): Transition {
    this.window.add('ok', now);
    if (!this.breaker.success(now, lastResort)) return undefined;
    // Back from open: judge it on what it does now, not on the outage.
    this.window.clear();
    return 'recovered';
  }

  /** A failure the provider caused (an UpstreamError); our own bugs never come here. */
  failed(error: UpstreamError, message: string, now: number): Transition {
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
        this.window.add('error', now);
        return this.breaker.failure(now) ? 'opened' : undefined;
    }
  }

  /** Caught lying until `until`; returns whether it was trusted before. */
  lied(message: string, now: number, until: number): boolean {
    const wasTrusted = now >= this.untrustedUntil;
    this.untrustedUntil = Math.max(this.untrustedUntil, until);
    this.lieCount++;
    this.errorCount++;
    this.lastErrorText = message;
    this.lastErrorKindValue = 'unverifiable';
    return wasTrusted;
  }
}
