/**
 * Provider health as one number in [0, 1] (higher is better). Pure: every input is passed in, so
 * the table in scoring.test.ts pins the policy down.
 *
 * 1. Latency (weight 0.3): the provider's latency relative to the best candidate's, smoothed by
 *    LATENCY_SMOOTHING_MS so that 1 ms vs 2 ms on a LAN is not a 2x difference. The latency fed in is
 *    the EWMA of answers, raised to the age of calls still in flight: a provider that just hung is
 *    demoted before any timeout fires.
 * 2. Stability (weight 0.7): 1 - error rate over the recent window (viem's rankTransports uses the
 *    same 0.3 / 0.7 split).
 * 3. Multiplied by penalties: 0.5 per consecutive failure, 1 / (1 + rate-limit hits in the window),
 *    and a head-lag factor that falls linearly to 1 / (maxLag + 1) at the allowed lag and to 0 past it.
 */
export const LATENCY_WEIGHT = 0.3;
export const STABILITY_WEIGHT = 0.7;
export const LATENCY_SMOOTHING_MS = 20;
export const EWMA_ALPHA = 0.25;

export interface ScoreInput {
  /** EWMA latency (ms), or the age of the oldest-looking in-flight call if larger; undefined: unmeasured. */
  readonly latencyMs: number | undefined;
  /** The lowest latencyMs among the candidates compared. */
  readonly bestLatencyMs: number;
  /** Failed calls / all calls over the window, 0..1. */
  readonly errorRate: number;
  /** Rate-limit answers over the window. */
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
  const latencyScore = (input.bestLatencyMs + LATENCY_SMOOTHING_MS) / (Math.max(latency, input.bestLatencyMs) + LATENCY_SMOOTHING_MS);
  const stability = 1 - clamp01(input.errorRate);
  const base = LATENCY_WEIGHT * latencyScore + STABILITY_WEIGHT * stability;
  const lagFactor = 1 - lag / (input.maxLag + 1);
  const failureFactor = 0.5 ** input.consecutiveFailures;
  const rateLimitFactor = 1 / (1 + input.rateLimited);
  return base * lagFactor * failureFactor * rateLimitFactor;
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
