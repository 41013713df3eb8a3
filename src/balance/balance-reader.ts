/**
 * The one read-through reader: every balance read, whichever route asks (GET is one key, a batch
 * many), at one pinned block. Knows nothing of HTTP.
 *
 * Per key: the in-process cache -> a read already in flight for that key and block, whichever
 * route or caller started it -> the shared level (REDIS_URL) -> upstream (one key: the hedged
 * single read; many: the router's chunked batch read) -> store, for every route alike.
 *
 * Verified (?verify=true or VERIFY_PROOFS=on), one rule for both routes: the block's state root
 * from the quorum-checked header first, entries under their own keys (never an unverified answer),
 * a shared entry served only when it was proven against that same root, and every key read
 * upstream proven on its own (eth_getProof calls issued in one turn travel as one JSON-RPC batch
 * per provider), all or nothing.
 *
 * The hot path (`tryHit`) is synchronous: fresh head + cached bytes, no keccak, no pool, no await.
 */
import { blockTagEcho, isImmutableTag, LATEST, type BlockTag } from '../chain/block-tag.js';
import type { Head } from '../chain/head.js';
import type { BalanceCache } from '../cache/balance-cache.js';
import type { SharedCache } from '../cache/shared-cache.js';
import { balancesBody, bodyFromItem, bodyParts, type BodyParts } from '../codec/balances.js';
import { InlineCodec, type CodecRunner } from '../codec/codec-pool.js';
import { ServiceError } from '../errors.js';
import type { Upstream } from '../router/upstream.js';
import { cacheKey } from './cache-key.js';
import { readOwn, type Pinned, type Read, type ReaderUpstream, type SharedLevel } from './read-own.js';

/** What a read needs from the request it serves, beyond the addresses. The HTTP request context is one. */
export interface BalanceRequest {
  /** Goes on the log lines the read causes. */
  readonly requestId: string;
  /** A verified read: proven against a quorum's block (src/verify/), cached apart from unverified answers. */
  readonly verify?: boolean;
  /** The block to read at (default latest). */
  readonly tag?: BlockTag;
  /** Told the HTTP requests each upstream read made for this request (the watch counts its own). */
  readonly onUpstream?: ((requests: number) => void) | undefined;
}

/** Cache key of a verified answer: its own entry, never an unverified one. */
export function verifiedKey(address: string): string {
  return `${address}|verified`;
}

export type { ReaderUpstream };

export class BalanceReader {
  constructor(
    private readonly upstream: ReaderUpstream & Pick<Upstream, 'currentHead' | 'head'>,
    private readonly cache: BalanceCache,
    /** The fleet's second level (REDIS_URL), asked for in-process misses only; undefined: no Redis. */
    private readonly shared?: SharedLevel,
    /**
     * Put before every key of the cache this reader shares with other networks' readers: '' for the
     * default network (its hit builds no string), `<chain id>:` for the others.
     */
    private readonly keyPrefix = '',
    /** Formats a large read's items on the pool (WORKERS > 0); small reads stay inline either way. */
    private readonly codec: Pick<CodecRunner, 'items'> = new InlineCodec(),
  ) {}

  /**
   * Cached bytes for a checksummed address at the current head, if any, without waiting. `now`
   * (performance.now(), the clock head and cache default to) saves two clock reads per hit, a
   * quarter of a hit's JavaScript in a profile.
   */
  tryHit(address: string, now?: number, request?: Pick<BalanceRequest, 'verify' | 'tag'>): Buffer | undefined {
    const tag = request?.tag ?? LATEST;
    const mine = request?.verify === true ? verifiedKey(address) : address;
    const own = this.keyPrefix === '' ? mine : this.keyPrefix + mine;
    if (tag.kind === 'latest') {
      const head = this.upstream.currentHead(now);
      return head === undefined ? undefined : this.cache.get(own, head, now);
    }
    // Another tag: its block if known and fresh (a map lookup), then the entry at that block.
    const at = this.upstream.currentBlock(tag, now);
    return at === undefined ? undefined : this.cache.get(cacheKey(own, blockTagEcho(tag)), at, now);
  }

  /**
   * The single route's body for `address`: cached, or read once however many ask at the same time
   * (a batch asking for the same address at the same block included).
   */
  lookup(address: string, request: BalanceRequest): Promise<Buffer> {
    // Not async, and a then() only where something is awaited: each await on the way back from the
    // upstream is a microtask hop, and at concurrency 1 they showed in the added latency.
    const tag = request.tag ?? LATEST;
    const head = tag.kind === 'latest' ? this.upstream.currentHead() : this.upstream.currentBlock(tag);
    if (head === undefined) {
      const fresh = tag.kind === 'latest' ? this.upstream.head() : this.upstream.resolveBlock(tag, request.requestId);
      return fresh.then((at) => this.one(address, at, request, tag));
    }
    return this.one(address, head, request, tag);
  }

  /** The whole 200 body for `addresses` (EIP-55, request order) at the block `tag` resolves to. */
  async balances(addresses: readonly string[], tag: BlockTag, requestId: string, verify = false): Promise<string> {
    const head = this.upstream.currentBlock(tag) ?? (await this.upstream.resolveBlock(tag, requestId));
    const at = await this.pin(head, tag, { requestId, verify });
    const { items, latencyMs } = await this.collect(addresses, at);
    return balancesBody({ network: at.network, chainId: at.chainId, blockTag: at.echo, blockNumber: head.numberHex, blockHash: head.hash, rpcLatencyMs: latencyMs, stateRoot: at.stateRoot }, items);
  }

  /**
   * The batch items (codec/balances.ts) of `addresses`, in order, at exactly `head`, the block `tag`
   * resolved to: the same entries, joins and reads as a batch at that block (the watch reads here).
   */
  async itemsAt(addresses: readonly string[], head: Head, tag: BlockTag, request: BalanceRequest): Promise<readonly string[]> {
    const at = await this.pin(head, tag, { ...request, verify: false });
    return (await this.collect(addresses, at)).items;
  }

  /** Items by position; an address not cached is read once however often it is asked. */
  private async collect(addresses: readonly string[], at: Pinned): Promise<{ items: string[]; latencyMs: number }> {
    const head = at.head;
    // `slot` gives an uncached address its place among the reads, and each position waiting for
    // it remembers that place.
    const ordered = new Array<string>(addresses.length);
    const missing: string[] = [];
    const slot = new Map<string, number>();
    const waiting: number[] = [];
    const waitingFor: number[] = [];
    const now = performance.now();
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i]!;
      const item = this.cache.item(this.key(address, at), head, now);
      if (item !== undefined) {
        ordered[i] = item;
        continue;
      }
      let place = slot.get(address);
      if (place === undefined) {
        place = missing.length;
        slot.set(address, place);
        missing.push(address);
      }
      waiting.push(i);
      waitingFor.push(place);
    }
    let latencyMs = 0;
    if (missing.length > 0) {
      const reads = await this.read(missing, at);
      for (const read of reads) if (read.latencyMs > latencyMs) latencyMs = read.latencyMs;
      for (let w = 0; w < waiting.length; w++) ordered[waiting[w]!] = reads[waitingFor[w]!]!.item;
    }
    return { items: ordered, latencyMs };
  }

  private one(address: string, head: Head, request: BalanceRequest, tag: BlockTag): Promise<Buffer> {
    const echo = blockTagEcho(tag);
    const cached = this.cache.get(this.keyPrefix + cacheKey(request.verify === true ? verifiedKey(address) : address, echo), head);
    if (cached !== undefined) return Promise.resolve(cached);
    const pinned = this.pin(head, tag, request);
    const body = (at: Pinned) => this.read([address], at).then(([read]) => Buffer.from(bodyFromItem(read!.item, read!.parts)));
    return pinned instanceof Promise ? pinned.then(body) : body(pinned);
  }

  /** The block and what every key read at it shares; a verified read first learns the block's proven state root. */
  private pin(head: Head, tag: BlockTag, request: BalanceRequest): Pinned | Promise<Pinned> {
    const network = this.upstream.network();
    const chainId = this.upstream.chainId();
    if (network === undefined || chainId === undefined) throw new ServiceError('INTERNAL', 'network unknown after a read');
    const { requestId, onUpstream } = request;
    const echo = blockTagEcho(tag);
    const immutable = isImmutableTag(tag);
    // Object literals, not a spread of a shared base: this runs on every miss.
    if (request.verify !== true) return { head, echo, immutable, network, chainId, requestId, onUpstream, stateRoot: undefined };
    return this.upstream.verifiedStateRoot(head, requestId).then((stateRoot) => ({ head, echo, immutable, network, chainId, requestId, onUpstream, stateRoot }));
  }

  /**
   * Distinct `addresses` at `at`, none cached: each joins the read in flight for its key at that
   * block, or is read here (and joinable by everyone else until it lands).
   */
  private read(addresses: readonly string[], at: Pinned): Promise<readonly Read[]> {
    if (addresses.length === 1) {
      const joined = this.cache.joinFlight<Read>(this.key(addresses[0]!, at), at.head);
      return joined === undefined ? this.readFresh(addresses, at) : joined.then((read) => [read]);
    }
    const reads = new Array<Read | Promise<Read>>(addresses.length);
    const mine: string[] = [];
    const mineAt: number[] = [];
    for (let i = 0; i < addresses.length; i++) {
      const joined = this.cache.joinFlight<Read>(this.key(addresses[i]!, at), at.head);
      if (joined !== undefined) reads[i] = joined;
      else {
        mine.push(addresses[i]!);
        mineAt.push(i);
      }
    }
    if (mine.length > 0) {
      const own = this.readFresh(mine, at);
      if (mine.length === addresses.length) return own;
      mineAt.forEach((i, j) => (reads[i] = own.then((values) => values[j]!)));
    }
    return Promise.all(reads);
  }

  /** Reads `addresses` past the in-process level, joinable by every other caller until it lands. */
  private readFresh(addresses: readonly string[], at: Pinned): Promise<readonly Read[]> {
    const own = readOwn({ addresses, at, upstream: this.upstream, shared: this.shared, store: this.store(at) });
    this.cache.startFlights(
      addresses.map((address) => this.key(address, at)),
      at.head,
      own,
    );
    return own;
  }

  /** Stores reads that share one round trip, under their keys, with one set of body parts. */
  private store(at: Pinned): (addresses: readonly string[], weis: readonly bigint[], latencyMs: number) => Read[] | Promise<Read[]> {
    return (addresses, weis, latencyMs) => {
      const items = this.codec.items(addresses, weis);
      return items instanceof Promise ? items.then((made) => this.keep(at, addresses, weis, latencyMs, made)) : this.keep(at, addresses, weis, latencyMs, items);
    };
  }

  private keep(at: Pinned, addresses: readonly string[], weis: readonly bigint[], latencyMs: number, items: readonly string[]): Read[] {
    const parts = this.parts(at, latencyMs);
    const options = { immutable: at.immutable };
    const out = new Array<Read>(addresses.length);
    for (let i = 0; i < addresses.length; i++) {
      this.cache.setItem(this.key(addresses[i]!, at), at.head, items[i]!, parts, options);
      out[i] = { wei: weis[i]!, latencyMs, item: items[i]!, parts };
    }
    return out;
  }

  private parts(at: Pinned, rpcLatencyMs: number): BodyParts {
    return bodyParts({ network: at.network, chainId: at.chainId, rpcLatencyMs, at: { tag: at.echo, number: at.head.numberHex, hash: at.head.hash }, stateRoot: at.stateRoot });
  }

  private key(address: string, at: Pinned): string {
    return this.keyPrefix + cacheKey(at.stateRoot === undefined ? address : verifiedKey(address), at.echo);
  }
}
