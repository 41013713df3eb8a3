/**
 * Token buckets: `burst` tokens, refilled at `rps` per second; a request takes one. The arithmetic
 * is a pure function of the bucket and the clock; the store around it keeps at most `maxClients`
 * buckets, so an address-spraying client cannot grow memory without bound.
 */

export interface Bucket {
  tokens: number;
  /** Clock reading (ms) of the last update. */
  at: number;
}

/**
 * Refills `bucket` for the time since its last update (up to `burst`) and takes one token.
 * Returns 0 when a token was taken, otherwise the seconds until one will be there.
 */
export function takeToken(bucket: Bucket, now: number, rps: number, burst: number): number {
  const elapsed = now > bucket.at ? now - bucket.at : 0;
  const tokens = Math.min(burst, bucket.tokens + (elapsed * rps) / 1000);
  bucket.at = now;
  if (tokens >= 1) {
    bucket.tokens = tokens - 1;
    return 0;
  }
  bucket.tokens = tokens;
  return (1 - tokens) / rps;
}

/**
 * Takes `n` tokens at once (a batch of n addresses). A bucket smaller than n would never hold them,
 * so it needs min(n, burst) and may go into debt, repaid by the refill before the next request:
 * n always counts. Returns 0 when taken, otherwise the seconds until it can be.
 */
export function takeTokens(bucket: Bucket, now: number, rps: number, burst: number, n: number): number {
  const elapsed = now > bucket.at ? now - bucket.at : 0;
  const tokens = Math.min(burst, bucket.tokens + (elapsed * rps) / 1000);
  bucket.at = now;
  const need = Math.min(n, burst);
  if (tokens >= need) {
    bucket.tokens = tokens - n;
    return 0;
  }
  bucket.tokens = tokens;
  return (need - tokens) / rps;
}

/** Whole seconds for a Retry-After header: never 0, so clients do not retry at once. */
export function retryAfterSeconds(wait: number): number {
  return Math.max(1, Math.ceil(wait));
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** After this long untouched a bucket is full again, the same as a new one. */
  private readonly refillMs: number;

  constructor(
    readonly rps: number,
    readonly burst: number,
    private readonly maxClients: number,
  ) {
    this.refillMs = (burst / rps) * 1000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** 0 when `client` may go ahead, otherwise the seconds until it may. */
  take(client: string, now: number): number {
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      // At capacity the oldest bucket goes: the worst case hands that client a fresh burst early.
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    }
    return takeToken(bucket, now, this.rps, this.burst);
  }

  /** `take` for n tokens at once (takeTokens). */
  takeMany(client: string, now: number, n: number): number {
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    }
    return takeTokens(bucket, now, this.rps, this.burst, n);
  }

  /** Forgets the buckets that have refilled completely; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [client, bucket] of this.buckets) {
      if (now - bucket.at >= this.refillMs) {
        this.buckets.delete(client);
        removed++;
      }
    }
    return removed;
  }
}
