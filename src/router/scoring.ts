/**
 * Provider health as one number in (0, 1] (higher is better; 0 only past the allowed lag). Pure:
 * every input is passed in, so the table in scoring.test.ts pins the policy down.
 *
 * A product of discounts, each 1 for a perfect provider, so one bad dimension cannot be hidden by
 * the others (a provider 20x slower than the best must not win on a clean error record):
 * - latency: (best + 20 ms) / (latency + 20 ms). The smoothing keeps 1 ms vs 2 ms on a LAN from
 *   reading as 2x. The latency is the EWMA of answers, raised to the mean age of calls still in
 *   flight, so a provider that just hung is demoted within milliseconds, long before a timeout.
 * - stability: 1 - error rate over the last 30 s.
 * - consecutive failures: 0.5 per failure in a row (the breaker opens at 3).
 * - rate limits: 1 / (1 + 0.5 x episodes in the last 30 s). The cooldown itself keeps the provider
 *   out while it asked us to; this keeps it second choice for a while after, so we do not walk
 *   straight back into the limit.
 * - head lag: 1 - lag / (maxLag + 1), and 0 past maxLag.
 */
export const LATENCY_SMOOTHING_MS = 20;
export const FAILURE_DISCOUNT = 0.5;
export const RATE_LIMIT_DISCOUNT = 0.5;
export const EWMA_ALPHA = 0.25;

export interface ScoreInput {
  /** EWMA latency (ms), or the mean age of in-flight calls if larger; undefined: unmeasured. */
  readonly latencyMs: number | undefined;
  /** The lowest latencyMs among the candidates compared. */
  readonly bestLatencyMs: number;
  /** Failed calls / all calls over the window, 0..1. */
  readonly errorRate: number;
  /** Rate-limit episodes (cooldowns started) over the window. */
  readonly rateLimited: number;
  /** Blocks behind the newest head among providers; undefined: unknown (treated as 0). */
  readonly lag: number | undefined;
  readonly maxLag: number;
  readonly consecutiveFailures: number;
}

export function score(input: ScoreInput): number {
  const lag = input.lag ?? 0;
  if (lag > input.maxLag) return 0;
  // Unmeasured providers rank as if as fast as the best, so they get measured.
  const latency = input.latencyMs ?? input.bestLatencyMs;
  const latencyFactor = (input.bestLatencyMs + LATENCY_SMOOTHING_MS) / (Math.max(latency, input.bestLatencyMs) + LATENCY_SMOOTHING_MS);
  const stability = 1 - clamp01(input.errorRate);
  const failureFactor = FAILURE_DISCOUNT ** input.consecutiveFailures;
  const rateLimitFactor = 1 / (1 + RATE_LIMIT_DISCOUNT * input.rateLimited);
  const lagFactor = 1 - lag / (input.maxLag + 1);
  return latencyFactor * stability * failureFactor * rateLimitFactor * lagFactor;
}

/** Exponentially weighted moving average; the first sample is taken as is. */
export function ewma(previous: number | undefined, sample: number, alpha = EWMA_ALPHA): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}

/** Error rate with one phantom success, so a single failure does not read as 100 %. */
export function errorRate(ok: number, errors: number): number {
  return errors / (ok + errors + 1);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export interface WindowCounts {
  ok: number;
  errors: number;
  rateLimited: number;
}

/**
 * Counts over the last `buckets * bucketMs` milliseconds, in fixed time buckets (no per-call
 * allocation). The clock is passed in on every call, so tests drive it.
 */
export class RollingWindow {
  private readonly ok: Uint32Array;
  private readonly errors: Uint32Array;
  private readonly limited: Uint32Array;
  private readonly stamps: Float64Array;

  constructor(
    private readonly buckets = 6,
    private readonly bucketMs = 5000,
  ) {
    this.ok = new Uint32Array(buckets);
    this.errors = new Uint32Array(buckets);
    this.limited = new Uint32Array(buckets);
    this.stamps = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
  }

  private slot(now: number): number {
    const epoch = Math.floor(now / this.bucketMs);
    const i = ((epoch % this.buckets) + this.buckets) % this.buckets;
    if (this.stamps[i] !== epoch) {
      this.stamps[i] = epoch;
      this.ok[i] = 0;
      this.errors[i] = 0;
      this.limited[i] = 0;
    }
    return i;
  }

  add(outcome: 'ok' | 'error' | 'rate-limited', now: number): void {
    const i = this.slot(now);
    if (outcome === 'ok') this.ok[i]!++;
    else if (outcome === 'error') this.errors[i]!++;
    else this.limited[i]!++;
  }

  totals(now: number, out: WindowCounts = { ok: 0, errors: 0, rateLimited: 0 }): WindowCounts {
    const epoch = Math.floor(now / this.bucketMs);
    out.ok = 0;
    out.errors = 0;
    out.rateLimited = 0;
    for (let i = 0; i < this.buckets; i++) {
      if (epoch - this.stamps[i]! < this.buckets) {
        out.ok += this.ok[i]!;
        out.errors += this.errors[i]!;
        out.rateLimited += this.limited[i]!;
      }
    }
    return out;
  }

  clear(): void {
    this.stamps.fill(Number.NEGATIVE_INFINITY);
  }
}
