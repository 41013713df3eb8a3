/**
 * One network's watch: while any subscription exists on it, its blocks at each watched tag are
 * followed at the chain's pace (the router's head, shared with requests; safe and finalized
 * through the router's resolution), and each newly adopted block is one round: the union of the
 * addresses watched at that tag, read once at that block hash through the one reader, then each
 * subscription's own changes. With no subscription nothing polls.
 *
 * Rounds of one tag never overlap; a block adopted while a round runs waits, and a newer one
 * replaces it (the skipped block's changes are in the next message, since changes are relative
 * to what was delivered). A failed read skips its block the same way.
 */
import { FINALIZED, LATEST, SAFE, type BlockTag } from '../chain/block-tag.js';
import type { Head } from '../chain/head.js';
import type { BalanceRequest } from '../balance/balance-reader.js';
import { errorLogFields, ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { WatchTag } from './messages.js';
import type { WatchRecorder } from './watch-metrics.js';

/** What the watch needs of one network; app.ts supplies one per served network. */
export interface WatchNetwork {
  readonly name: string;
  readonly chainId: number;
  /** The one reader (balance/balance-reader.ts). */
  readonly reader: { itemsAt(addresses: readonly string[], head: Head, tag: BlockTag, request: BalanceRequest): Promise<readonly string[]> };
  /** The network's fresh head (latest), shared with requests. */
  head(): Promise<Head>;
  /** The block `tag` resolves to (safe, finalized, a number for canonical checks). */
  resolveBlock(tag: BlockTag, requestId?: string): Promise<Head>;
  /** Why this network cannot follow `tag` (safe where its nodes do not answer it); undefined: it can. */
  refusal(tag: BlockTag): string | undefined;
  /** How often the head is looked at while something watches: about a block. */
  readonly pollIntervalMs: number;
}

export const TAGS: Readonly<Record<WatchTag, BlockTag>> = { latest: LATEST, safe: SAFE, finalized: FINALIZED };

/** What a round delivers to, per subscription (subscription.ts). */
export interface RoundMember {
  readonly addresses: readonly string[];
  /** The last block delivered; undefined while its snapshot is being read. */
  readonly last: Head | undefined;
  deliver(round: Round): void;
}

/** One adopted block at one tag, with what was read for it. */
export interface Round {
  readonly network: WatchNetwork;
  readonly tag: WatchTag;
  readonly head: Head;
  /** performance.now() at adoption: the delivery delay counts from it. */
  readonly adoptedAt: number;
  /** Items read for the union, by address. */
  readonly items: ReadonlyMap<string, string>;
  /** Whether `block` is still on the canonical chain (memoized for the round); rejects when unknown. */
  canonical(block: Head): Promise<boolean>;
  /** Items for addresses not in the union read (added meanwhile), at the round's block. */
  read(addresses: readonly string[]): Promise<readonly string[]>;
}

let rounds = 0;

export class NetworkWatch {
  private readonly members = new Map<WatchTag, Set<RoundMember>>();
  private readonly adopted = new Map<WatchTag, Head>();
  private readonly running = new Map<WatchTag, Promise<void>>();
  private readonly waiting = new Map<WatchTag, { head: Head; adoptedAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private following = false;
  private closed = false;

  constructor(
    readonly network: WatchNetwork,
    private readonly recorder: WatchRecorder,
    private readonly log: Logger,
  ) {}

  /** Subscriptions and distinct addresses, for the gauges. */
  counts(): { subscriptions: number; addresses: number } {
    const distinct = new Set<string>();
    let subscriptions = 0;
    for (const set of this.members.values()) {
      subscriptions += set.size;
      for (const m of set) for (const a of m.addresses) distinct.add(a);
    }
    return { subscriptions, addresses: distinct.size };
  }

  /** A subscription whose snapshot was delivered; catches up at once if a newer block was adopted meanwhile. */
  join(tag: WatchTag, member: RoundMember): void {
    let set = this.members.get(tag);
    if (set === undefined) this.members.set(tag, (set = new Set()));
    set.add(member);
    const adopted = this.adopted.get(tag);
    if (adopted !== undefined && adopted.hash !== member.last?.hash && (member.last === undefined || adopted.number >= member.last.number)) {
      this.schedule(tag, adopted, performance.now());
    }
    this.follow();
  }

  leave(tag: WatchTag, member: RoundMember): void {
    const set = this.members.get(tag);
    set?.delete(member);
    if (set !== undefined && set.size === 0) {
      this.members.delete(tag);
      this.adopted.delete(tag);
    }
  }

  /** The block a new snapshot at `tag` is read at: as fresh as a GET at that tag. */
  snapshotBlock(tag: WatchTag, requestId: string): Promise<Head> {
    return tag === 'latest' ? this.network.head() : this.network.resolveBlock(TAGS[tag], requestId);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private follow(): void {
    if (this.following || this.closed) return;
    this.following = true;
    void this.tick();
  }

  /** Looks at each watched tag's block once, then again after the poll interval while anything watches. */
  private async tick(): Promise<void> {
    if (this.closed || this.members.size === 0) {
      this.following = false;
      return;
    }
    const tags = [...this.members.keys()];
    await Promise.all(
      tags.map((tag) =>
        this.snapshotBlock(tag, 'watch').then(
          (head) => this.adopt(tag, head),
          (error: unknown) => this.log.debug({ network: this.network.name, tag, ...errorLogFields(error) }, 'watch: no block this time'),
        ),
      ),
    );
    if (this.closed || this.members.size === 0) {
      this.following = false;
      return;
    }
    this.timer = setTimeout(() => void this.tick(), this.network.pollIntervalMs);
    this.timer.unref();
  }

  private adopt(tag: WatchTag, head: Head): void {
    const previous = this.adopted.get(tag);
    if (previous?.hash === head.hash || !this.members.has(tag)) return;
    this.adopted.set(tag, head);
    this.schedule(tag, head, performance.now());
  }

  /** Runs a round for `head` now, or after the running one (a newer block replaces a waiting one). */
  private schedule(tag: WatchTag, head: Head, adoptedAt: number): void {
    if (this.running.has(tag)) {
      this.waiting.set(tag, { head, adoptedAt });
      return;
    }
    const run = this.round(tag, head, adoptedAt)
      .catch((error: unknown) => this.log.error({ network: this.network.name, tag, ...errorLogFields(error) }, 'watch round failed: internal error'))
      .finally(() => {
        this.running.delete(tag);
        const next = this.waiting.get(tag);
        this.waiting.delete(tag);
        if (next !== undefined && !this.closed) this.schedule(tag, next.head, next.adoptedAt);
      });
    this.running.set(tag, run);
  }

  private async round(tag: WatchTag, head: Head, adoptedAt: number): Promise<void> {
    const due = [...(this.members.get(tag) ?? [])].filter((m) => m.last !== undefined && m.last.hash !== head.hash);
    if (due.length === 0) return;
    const union = [...new Set(due.flatMap((m) => m.addresses))];
    const network = this.network;
    const requestId = `watch-${network.name}-${tag}-${++rounds}`;
    const request: BalanceRequest = { requestId, onUpstream: (n) => this.recorder.upstreamRequests(network.name, n) };
    let read: readonly string[];
    try {
      read = await network.reader.itemsAt(union, head, TAGS[tag], request);
    } catch (error) {
      this.skipped(tag, head, error);
      return;
    }
    const items = new Map<string, string>();
    union.forEach((address, i) => items.set(address, read[i]!));
    const checks = new Map<string, Promise<boolean>>();
    const round: Round = {
      network,
      tag,
      head,
      adoptedAt,
      items,
      canonical: (block) => {
        let check = checks.get(block.hash);
        if (check === undefined) checks.set(block.hash, (check = this.canonical(block, head, requestId)));
        return check;
      },
      read: (addresses) => network.reader.itemsAt(addresses, head, TAGS[tag], request),
    };
    for (const member of due) member.deliver(round);
  }

  /** Whether `block` is the canonical block at its height, judged against the newly adopted `head`. */
  private async canonical(block: Head, head: Head, requestId: string): Promise<boolean> {
    if (block.number === head.number) return block.hash === head.hash;
    if (block.number > head.number) return this.byNumber(block, requestId);
    this.recorder.upstreamRequests(this.network.name, 1);
    return this.byNumber(block, requestId);
  }

  private async byNumber(block: Head, requestId: string): Promise<boolean> {
    try {
      const found = await this.network.resolveBlock({ kind: 'number', number: block.number }, requestId);
      return found.hash === block.hash;
    } catch (error) {
      // Above the head now: the chain got shorter, so the block is gone.
      if (error instanceof ServiceError && error.code === 'BLOCK_NOT_FOUND') return false;
      throw error;
    }
  }

  /** A block message sent `ms` after its head was adopted. */
  delivered(ms: number): void {
    this.recorder.delivered(this.network.name, ms / 1000);
  }

  /** A failed read: the block is skipped (counted, logged), the next round covers it. */
  skipped(tag: WatchTag, head: Head, error: unknown): void {
    this.recorder.blockSkipped(this.network.name);
    const fields = { network: this.network.name, tag, blockNumber: head.numberHex, ...errorLogFields(error) };
    if (error instanceof ServiceError) this.log.warn(fields, 'watch: block read failed, skipped');
    else this.log.error(fields, 'watch: block read failed: internal error');
  }
}
