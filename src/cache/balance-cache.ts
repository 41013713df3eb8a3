/**
 * Serialized balance bodies keyed by address, each stamped with the block it was read at. An entry
 * is served only while younger than the TTL and still at the current head; the bound evicts the
 * least recently used first. Concurrent misses for one (key, block) share one read in flight,
 * whichever route started it (joinFlight, startFlights).
 */
import type { Head } from '../chain/head.js';
import { bodyFromItem, type BodyParts } from '../codec/balances.js';

export interface CachedBody {
  readonly blockHash: string;
  readonly storedAt: number;
  readonly body: Buffer;
  /** Read at a finalized block, a number or a hash: served until evicted, whatever its age. */
  readonly immutable?: boolean;
}

/** How an entry is stored beyond its body. */
export interface StoreOptions {
  readonly immutable?: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  coalesced: number;
  evictions: number;
}

/** Pure lifetime rule, table-tested. */
export function isServable(entry: Pick<CachedBody, 'blockHash' | 'storedAt' | 'immutable'>, head: Head, now: number, ttlMs: number): boolean {
  return entry.blockHash === head.hash && (entry.immutable === true || now - entry.storedAt < ttlMs);
}

/**
 * A cached answer on the recency list: most recently used at the head, evicted from the tail. The
 * single route stores a body; the batch route stores an item and its read's shared parts. Each form
 * is made from the other on first use by the other route, then kept.
 */
interface Node extends Omit<CachedBody, 'body'> {
  readonly key: string;
  body: Buffer | undefined;
  item: string | undefined;
  /** Set with an item: what the body needs besides it (one object per batch read). */
  readonly parts: BodyParts | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

export class BalanceCache {
  // A Map for lookup plus an explicit doubly linked recency list. Re-inserting into the Map to mark
  // recency (and evicting via keys().next()) leaves deleted slots at the front of V8's ordered
  // table that every eviction scans again: bench/cache.bench.ts measured ~57 us per store into a
  // full cache that way. Pointer moves keep a hit and an eviction O(1).
  private readonly entries = new Map<string, Node>();
  private newest: Node | undefined;
  private oldest: Node | undefined;
  private readonly inflight = new Map<string, Flight>();
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
  get(key: string, head: Head, now: number = this.clock()): Buffer | undefined {
    const node = this.servable(key, head, now);
    if (node === undefined) return undefined;
    return node.body ?? (node.body = Buffer.from(bodyFromItem(node.item!, node.parts!)));
  }

  /**
   * The batch route's item for `key` at `head`, or undefined. Counts a hit like `get`; an entry the
   * single route stored gets its item made once from its body.
   */
  item(key: string, head: Head, now: number = this.clock()): string | undefined {
    const node = this.servable(key, head, now);
    if (node === undefined) return undefined;
    if (node.item === undefined) {
      const { address, balance, balanceWei } = JSON.parse(node.body!.toString('utf8')) as { address: string; balance: string; balanceWei: string };
      node.item = JSON.stringify({ address, balance, balanceWei });
    }
    return node.item;
  }

  /** The entry for `key` if servable at `head`, marked most recently used and counted as a hit. */
  private servable(key: string, head: Head, now: number): Node | undefined {
    const node = this.entries.get(key);
    if (node === undefined) return undefined;
    if (!isServable(node, head, now, this.ttlMs)) {
      this.remove(node);
      return undefined;
    }
    if (node !== this.newest) {
      this.unlink(node);
      this.pushNewest(node);
    }
    this.stats.hits++;
    return node;
  }

  set(key: string, head: Head, body: Buffer, options: StoreOptions = {}): void {
    this.store(key, head, body, undefined, undefined, options);
  }

  /**
   * Stores what a batch read made for `key`: its item and the read's shared body parts. The single
   * route's body is made from them if a GET asks for this entry (most batch entries are only ever
   * asked for by batches; building every body up front was ~8% of a cold batch's CPU).
   */
  setItem(key: string, head: Head, item: string, parts: BodyParts, options: StoreOptions = {}): void {
    this.store(key, head, undefined, item, parts, options);
  }

  private store(key: string, head: Head, body: Buffer | undefined, item: string | undefined, parts: BodyParts | undefined, options: StoreOptions): void {
    if (this.ttlMs <= 0) return;
    const existing = this.entries.get(key);
    if (existing !== undefined) this.remove(existing);
    const node: Node = {
      key,
      blockHash: head.hash,
      storedAt: this.clock(),
      body,
      item,
      parts,
      immutable: options.immutable === true,
      prev: undefined,
      next: undefined,
    };
    this.entries.set(key, node);
    this.pushNewest(node);
    while (this.entries.size > this.maxEntries && this.oldest !== undefined) {
      this.remove(this.oldest);
      this.stats.evictions++;
    }
  }

  private remove(node: Node): void {
    this.entries.delete(node.key);
    this.unlink(node);
  }

  private unlink(node: Node): void {
    if (node.prev === undefined) this.newest = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.oldest = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
  }

  private pushNewest(node: Node): void {
    node.next = this.newest;
    if (this.newest !== undefined) this.newest.prev = node;
    this.newest = node;
    this.oldest ??= node;
  }

  /**
   * The read in flight for `key` at `head`, whichever caller started it, or undefined. Joining is
   * counted as coalesced.
   */
  joinFlight<T>(key: string, head: Head): Promise<T> | undefined {
    const flight = this.inflight.get(flightKey(key, head));
    if (flight === undefined) return undefined;
    this.stats.coalesced++;
    const index = flight.index;
    return (flight.read as Promise<readonly T[]>).then((values) => values[index]!);
  }

  /**
   * Registers one read for many keys at `head`: key i is joinable (joinFlight) as `read`'s value i
   * until `read` settles. One object per key, no promise: a batch of 1,000 registers cheaply. The
   * caller stores what it read before `read` resolves, so a later caller finds it cached.
   */
  startFlights(keys: readonly string[], head: Head, read: Promise<readonly unknown[]>): void {
    this.stats.misses += keys.length;
    const names = keys.map((key, index) => {
      const name = flightKey(key, head);
      this.inflight.set(name, { read, index });
      return name;
    });
    const land = () => {
      for (const name of names) if (this.inflight.get(name)?.read === read) this.inflight.delete(name);
    };
    read.then(land, land);
  }

  /**
   * Reads through: one `load` per (key, block) in flight, however many callers ask; its result is
   * cached for the later ones.
   */
  load(key: string, head: Head, load: () => Promise<Buffer>, options: StoreOptions = {}): Promise<Buffer> {
    const pending = this.joinFlight<Buffer>(key, head);
    if (pending !== undefined) return pending;
    const read = load().then((body) => {
      this.set(key, head, body, options);
      return [body];
    });
    this.startFlights([key], head, read);
    return read.then((bodies) => bodies[0]!);
  }
}

/** An in-flight read and this key's place among its values. */
interface Flight {
  readonly read: Promise<readonly unknown[]>;
  readonly index: number;
}

function flightKey(key: string, head: Head): string {
  return `${key}@${head.hash}`;
}
