/**
 * Serialized balance bodies keyed by address, each stamped with the block it was read at. An entry
 * is served only while younger than the TTL and still at the current head; the bound evicts the
 * least recently used first. Concurrent misses for one (address, block) share one upstream read.
 */
import type { Head } from '../chain/head.js';

export interface CachedBody {
  readonly blockHash: string;
  readonly storedAt: number;
  readonly body: Buffer;
}

export interface CacheStats {
  hits: number;
  misses: number;
  coalesced: number;
  evictions: number;
}

/** Pure lifetime rule, table-tested. */
export function isServable(entry: CachedBody, head: Head, now: number, ttlMs: number): boolean {
  return entry.blockHash === head.hash && now - entry.storedAt < ttlMs;
}

export class BalanceCache {
  private readonly entries = new Map<string, CachedBody>();
  private readonly inflight = new Map<string, Promise<Buffer>>();
  readonly stats: CacheStats = { hits: 0, misses: 0, coalesced: 0, evictions: 0 };
  private readonly ttlMs: number;

  constructor(
    ttlSeconds: number,
    private readonly maxEntries: number,
    private readonly clock: () => number = performance.now.bind(performance),
  ) {
    this.ttlMs = ttlSeconds * 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The body for `key` at `head`, or undefined. Counts a hit; the caller counts its own miss. */
  get(key: string, head: Head): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (!isServable(entry, head, this.clock(), this.ttlMs)) {
      this.entries.delete(key);
      return undefined;
    }
    // Refresh recency: Map iteration order is insertion order, so re-insert to mark as newest.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.stats.hits++;
    return entry.body;
  }

  set(key: string, head: Head, body: Buffer): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { blockHash: head.hash, storedAt: this.clock(), body });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.stats.evictions++;
    }
  }

  /**
   * Reads through: one `load` per (key, block) in flight, however many callers ask; its result is
   * cached for the later ones.
   */
  load(key: string, head: Head, load: () => Promise<Buffer>): Promise<Buffer> {
    const flightKey = `${key}@${head.hash}`;
    const pending = this.inflight.get(flightKey);
    if (pending !== undefined) {
      this.stats.coalesced++;
      return pending;
    }
    this.stats.misses++;
    const promise = load().then(
      (body) => {
        this.inflight.delete(flightKey);
        this.set(key, head, body);
        return body;
      },
      (error: unknown) => {
        this.inflight.delete(flightKey);
        throw error;
      },
    );
    this.inflight.set(flightKey, promise);
    return promise;
  }

  clear(): void {
    this.entries.clear();
  }
}
