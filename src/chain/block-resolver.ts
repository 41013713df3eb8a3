/**
 * Block tag -> one pinned block (number + hash), with the lifetimes each kind of answer deserves.
 *
 * - `latest`: the service head (the router's consensus), as today.
 * - `safe` / `finalized`: every usable provider is asked for its block at that tag; the lowest one
 *   wins. A provider whose own safe or finalized block is higher has that lower block too (it is an
 *   ancestor of a block it already calls safe), so the answer is one block every usable provider
 *   can serve. Kept while younger than the head's lifetime (HEAD_MAX_AGE_MS), like the head.
 * - a number: above the current head -> BLOCK_NOT_FOUND; otherwise its hash from a provider. At or
 *   below the last finalized block the mapping never changes and is kept until evicted; above it a
 *   reorg could change it, so it lives as long as a head.
 * - a hash: looked up once; no provider knows it -> BLOCK_NOT_FOUND. Kept until evicted.
 *
 * `current` answers synchronously from what is kept (the cache-hit path); `resolve` waits, and
 * concurrent resolutions of one tag share one lookup.
 */
import { blockTagEcho, type BlockTag } from './block-tag.js';
import type { Head } from './head.js';
import { ServiceError } from '../errors.js';

export interface BlockSource {
  /** A fresh service head, waiting when needed. */
  latest(): Promise<Head>;
  /** The service head if fresh at `now`, without waiting. */
  currentLatest(now?: number): Head | undefined;
  /** Each usable provider's block at `tag` (undefined for a provider that has none); rejects when none answered. */
  askAll(tag: 'safe' | 'finalized', requestId?: string): Promise<readonly (Head | undefined)[]>;
  /** The block from the first provider that knows it; undefined when every provider asked said it has none. */
  byNumber(number: bigint, requestId?: string): Promise<Head | undefined>;
  byHash(hash: string, requestId?: string): Promise<Head | undefined>;
}

interface Kept {
  readonly head: Head;
  /** Clock reading when resolved; Infinity for answers that never change. */
  readonly until: number;
}

export class BlockResolver {
  private readonly kept = new Map<string, Kept>();
  private readonly inflight = new Map<string, Promise<Head>>();
  /** Newest finalized block number seen: numbers at or below it map to a hash for good. */
  private finalized = -1n;

  constructor(
    private readonly source: BlockSource,
    /** How long a moving answer (safe, finalized, a recent number) is kept, in clock ms. */
    private readonly maxAgeMs: number,
    private readonly clock: () => number = performance.now.bind(performance),
    private readonly maxEntries = 10_000,
  ) {}

  /** The block `tag` resolves to if known and fresh at `now`, without waiting. */
  current(tag: BlockTag, now: number = this.clock()): Head | undefined {
    if (tag.kind === 'latest') return this.source.currentLatest(now);
    const kept = this.kept.get(keyOf(tag));
    return kept !== undefined && now < kept.until ? kept.head : undefined;
  }

  /** The block `tag` resolves to; rejects with BLOCK_NOT_FOUND, or the source's 502. */
  resolve(tag: BlockTag, requestId?: string): Promise<Head> {
    if (tag.kind === 'latest') return this.source.latest();
    const hit = this.current(tag);
    if (hit !== undefined) return Promise.resolve(hit);
    const key = keyOf(tag);
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.lookup(tag, requestId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async lookup(tag: Exclude<BlockTag, { kind: 'latest' }>, requestId: string | undefined): Promise<Head> {
    switch (tag.kind) {
      case 'safe':
      case 'finalized': {
        const answers = (await this.source.askAll(tag.kind, requestId)).filter((h): h is Head => h !== undefined);
        if (answers.length === 0) throw new ServiceError('BLOCK_NOT_FOUND', `no provider has a ${tag.kind} block yet`);
        const lowest = answers.reduce((a, b) => (b.number < a.number ? b : a));
        if (tag.kind === 'finalized' && lowest.number > this.finalized) this.finalized = lowest.number;
        this.keep(keyOf(tag), lowest, this.clock() + this.maxAgeMs);
        return lowest;
      }
      case 'number': {
        const head = this.source.currentLatest() ?? (await this.source.latest());
        if (tag.number > head.number) {
          throw new ServiceError('BLOCK_NOT_FOUND', `block ${blockTagEcho(tag)} is above the current head ${head.numberHex}`);
        }
        const block = await this.source.byNumber(tag.number, requestId);
        if (block === undefined) throw new ServiceError('BLOCK_NOT_FOUND', `no provider has block ${blockTagEcho(tag)}`);
        this.keep(keyOf(tag), block, block.number <= this.finalized ? Number.POSITIVE_INFINITY : this.clock() + this.maxAgeMs);
        return block;
      }
      case 'hash': {
        const block = await this.source.byHash(tag.hash, requestId);
        if (block === undefined) throw new ServiceError('BLOCK_NOT_FOUND', `no provider knows block ${tag.hash}`);
        this.keep(keyOf(tag), block, Number.POSITIVE_INFINITY);
        return block;
      }
    }
  }

  private keep(key: string, head: Head, until: number): void {
    if (this.kept.size >= this.maxEntries && !this.kept.has(key)) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, { head, until });
  }
}

function keyOf(tag: BlockTag): string {
  return tag.kind === 'number' || tag.kind === 'hash' ? blockTagEcho(tag) : tag.kind;
}
