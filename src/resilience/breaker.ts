/**
 * Circuit breaker and rate-limit cooling, pure of I/O: every method takes `now`.
 *
 * closed -> open: `consecutiveFailures` failures in a row, or `windowFailures` of the last
 *   `windowSize` outcomes (a provider failing every other call is as useless as a dead one).
 * open -> half-open: after the cooldown, which doubles with each re-open (1 s, 2 s, 4 s, 8 s, then
 *   15 s at most, so a recovered provider is back within ~15 s plus one probe).
 * half-open -> closed on the probe's success; -> open (longer cooldown) on its failure.
 * The re-open count forgets after the breaker has stayed closed for `forgetAfterMs`.
 * When every provider is open the router still asks them (last resort, see provider-router.ts): a
 * success then closes the circuit at once; a failure changes nothing (its cooldown does not grow).
 *
 * Rate limits are not failures: the provider is fine, it asked us to wait. They cool it for the
 * time it named (Retry-After, error.data.backoff_seconds) or 30 s, without touching the breaker.
 */
export interface BreakerPolicy {
  readonly consecutiveFailures: number;
  readonly windowSize: number;
  readonly windowFailures: number;
  readonly baseCooldownMs: number;
  readonly maxCooldownMs: number;
  readonly forgetAfterMs: number;
}

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = Object.freeze({
  consecutiveFailures: 3,
  windowSize: 10,
  windowFailures: 5,
  baseCooldownMs: 1000,
  maxCooldownMs: 15_000,
  forgetAfterMs: 60_000,
});

export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 30_000;
export const MIN_RATE_LIMIT_COOLDOWN_MS = 250;
export const MAX_RATE_LIMIT_COOLDOWN_MS = 15 * 60_000;

/** Cooldown before the n-th consecutive open (n >= 1) lets a probe through. */
export function cooldownMs(opens: number, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY): number {
  const n = Math.max(1, opens);
  return Math.min(policy.maxCooldownMs, policy.baseCooldownMs * 2 ** (n - 1));
}

/** How long a rate-limited provider is left alone: what it asked for, within sane bounds. */
export function rateLimitCooldownMs(retryAfterMs: number | undefined): number {
  const asked = retryAfterMs === undefined || !Number.isFinite(retryAfterMs) ? DEFAULT_RATE_LIMIT_COOLDOWN_MS : retryAfterMs;
  return Math.min(MAX_RATE_LIMIT_COOLDOWN_MS, Math.max(MIN_RATE_LIMIT_COOLDOWN_MS, asked));
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private stateValue: BreakerState = 'closed';
  private openUntil = 0;
  private opens = 0;
  private closedSince = 0;
  private consecutive = 0;
  /** Last outcomes as bits (1 = failure), newest in bit 0. */
  private recent = 0;
  private probing = false;

  constructor(private readonly policy: BreakerPolicy = DEFAULT_BREAKER_POLICY) {}

  /** The state at `now`. A read: an open breaker whose cooldown has passed reads as half-open. */
  state(now: number): BreakerState {
    return this.stateValue === 'open' && now >= this.openUntil ? 'half-open' : this.stateValue;
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  retryInMs(now: number): number {
    return this.state(now) === 'open' ? this.openUntil - now : 0;
  }

  /** Claims the single probe a half-open breaker allows; false if not half-open or already probing. */
  tryProbe(now: number): boolean {
    if (this.state(now) !== 'half-open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /**
   * Whether `success`/`failure` just changed the state (for logging transitions). `lastResort`: the
   * call went to this provider while its circuit was open because no provider was closed; its
   * success closes the circuit as a probe's would.
   */
  success(now: number, lastResort = false): boolean {
    this.consecutive = 0;
    this.push(false);
    // Otherwise only the probe's answer closes an open breaker: a late answer to a call sent
    // before it opened says little about now.
    const state = this.state(now);
    if (state === 'closed' || (state === 'open' && !lastResort)) return false;
    this.stateValue = 'closed';
    this.closedSince = now;
    this.probing = false;
    this.recent = 0;
    return true;
  }

  failure(now: number): boolean {
    this.consecutive++;
    this.push(true);
    const state = this.state(now);
    if (state === 'open') return false;
    if (state === 'half-open' || this.consecutive >= this.policy.consecutiveFailures || this.windowFailures() >= this.policy.windowFailures) {
      this.open(now);
      return true;
    }
    return false;
  }

  private open(now: number): void {
    if (this.stateValue === 'closed' && now - this.closedSince >= this.policy.forgetAfterMs) this.opens = 0;
    this.opens++;
    this.stateValue = 'open';
    this.openUntil = now + cooldownMs(this.opens, this.policy);
    this.probing = false;
  }

  private push(failed: boolean): void {
    const mask = (1 << this.policy.windowSize) - 1;
    this.recent = ((this.recent << 1) | (failed ? 1 : 0)) & mask;
  }

  private windowFailures(): number {
    let n = 0;
    for (let bits = this.recent; bits !== 0; bits &= bits - 1) n++;
    return n;
  }
}
