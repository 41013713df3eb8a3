/**
 * One subscription: its addresses (first-seen order), the wei last delivered for each, and the
 * block last delivered. Its own work runs one task at a time (snapshot, add, remove, each block),
 * so every message it sends is at or after the block of the one before, and the client's state
 * (snapshot + changes) always equals the balances at the last message's block.
 */
import type { Head } from '../chain/head.js';
import { errorLogFields, ServiceError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { ackText, blockText, changeText, itemWei, snapshotText, type WatchRefusal, type WatchTag } from './messages.js';
import { TAGS, type NetworkWatch, type Round, type RoundMember } from './network-watch.js';

/** Where a subscription's messages go (its connection). */
export interface MessageSink {
  /** Sends one text message; false when the connection is gone or was just closed for backpressure. */
  send(text: string, op: 'subscribed' | 'added' | 'removed' | 'unsubscribed' | 'block'): boolean;
  refuse(refusal: Omit<WatchRefusal, 'ok'>): void;
  readonly requestId: string;
}

export class Subscription implements RoundMember {
  addresses: string[] = [];
  /** Wei last delivered, by address. */
  private readonly weis = new Map<string, string>();
  /** Every address asked for and not removed, delivered or still being read. */
  private readonly watched = new Set<string>();
  last: Head | undefined = undefined;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly tag: WatchTag,
    readonly watch: NetworkWatch,
    private readonly sink: MessageSink,
    private readonly log: Logger,
  ) {}

  /** Runs `task` after every earlier task of this subscription; a throw is our bug, logged. */
  private then(task: () => Promise<void> | void): Promise<void> {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      this.log.error({ subscription: this.id, ...errorLogFields(error) }, 'watch subscription task failed: internal error');
    });
    return this.queue;
  }

  /** Reads the snapshot and, once sent, joins the network's rounds; `failed` frees the id. */
  start(addresses: readonly string[], failed: () => void): void {
    for (const a of addresses) this.watched.add(a);
    void this.then(async () => {
      const net = this.watch.network;
      try {
        const head = await this.watch.snapshotBlock(this.tag, this.sink.requestId);
        const items = await net.reader.itemsAt(addresses, head, TAGS[this.tag], { requestId: this.sink.requestId });
        if (this.closed) return;
        this.addresses = [...addresses];
        items.forEach((item, i) => this.weis.set(addresses[i]!, itemWei(item)));
        this.last = head;
        this.sink.send(snapshotText('subscribed', this.at(head), items), 'subscribed');
        this.watch.join(this.tag, this);
      } catch (error) {
        this.closed = true;
        this.watched.clear();
        failed();
        this.readFailed(error, 'the snapshot');
      }
    });
  }

  /** How many of `addresses` this subscription does not watch yet (what adding them would cost). */
  fresh(addresses: readonly string[]): number {
    let n = 0;
    for (const a of addresses) if (!this.watched.has(a)) n++;
    return n;
  }

  /**
   * Adds `addresses` and answers with all of them at the block last delivered. The new ones count
   * at once; if their read fails they are given back (`given` tells the connection how many).
   */
  add(addresses: readonly string[], given: (n: number) => void): void {
    const fresh = addresses.filter((a) => !this.watched.has(a));
    for (const a of fresh) this.watched.add(a);
    void this.then(async () => {
      if (this.closed || this.last === undefined) {
        for (const a of fresh) this.watched.delete(a);
        given(fresh.length);
        this.sink.refuse({ id: this.id, code: 'UNKNOWN_SUBSCRIPTION', detail: `no subscription "${this.id}" on this connection` });
        return;
      }
      const head = this.last;
      try {
        const items = await this.watch.network.reader.itemsAt(addresses, head, TAGS[this.tag], { requestId: this.sink.requestId });
        if (this.closed) return;
        items.forEach((item, i) => {
          const address = addresses[i]!;
          if (this.weis.has(address)) return;
          this.weis.set(address, itemWei(item));
          this.addresses.push(address);
        });
        this.sink.send(snapshotText('added', this.at(head), items), 'added');
      } catch (error) {
        for (const a of fresh) this.watched.delete(a);
        given(fresh.length);
        this.readFailed(error, 'the added addresses');
      }
    });
  }

  /** Stops watching `addresses` (answered after earlier messages); returns how many it watched. */
  remove(addresses: readonly string[]): number {
    const gone = new Set(addresses.filter((a) => this.watched.has(a)));
    for (const a of gone) this.watched.delete(a);
    void this.then(() => {
      for (const a of gone) this.weis.delete(a);
      this.addresses = this.addresses.filter((a) => !gone.has(a));
      this.sink.send(ackText('removed', this.id), 'removed');
    });
    return gone.size;
  }

  /** Ends the subscription: no block message after this; the answer follows its earlier messages. */
  end(answer: boolean): void {
    this.closed = true;
    this.watch.leave(this.tag, this);
    if (answer) void this.then(() => void this.sink.send(ackText('unsubscribed', this.id), 'unsubscribed'));
  }

  /** Addresses counted against the connection (those being read included). */
  get size(): number {
    return this.watched.size;
  }

  deliver(round: Round): void {
    void this.then(() => this.deliverNow(round));
  }

  private async deliverNow(round: Round): Promise<void> {
    const last = this.last;
    if (this.closed || last === undefined || last.hash === round.head.hash) return;
    let reorg: boolean;
    let missing: string[];
    let extra: readonly string[];
    try {
      const canonical = await round.canonical(last);
      // An older block than the one delivered, and that one still stands: nothing new.
      if (round.head.number <= last.number && canonical) return;
      reorg = !canonical;
      missing = this.addresses.filter((a) => !round.items.has(a));
      extra = missing.length === 0 ? [] : await round.read(missing);
    } catch (error) {
      this.watch.skipped(round.tag, round.head, error);
      return;
    }
    if (this.closed) return;
    const extraAt = new Map(missing.map((a, i) => [a, extra[i]!] as const));
    const changes: string[] = [];
    for (const address of this.addresses) {
      const item = round.items.get(address) ?? extraAt.get(address)!;
      const wei = itemWei(item);
      const previous = this.weis.get(address)!;
      if (wei !== previous) {
        changes.push(changeText(item, previous));
        this.weis.set(address, wei);
      }
    }
    this.last = round.head;
    const text = blockText({ ...this.at(round.head), previousBlockHash: last.hash, reorg }, changes);
    if (this.sink.send(text, 'block')) this.watch.delivered(performance.now() - round.adoptedAt);
  }

  private at(head: Head) {
    const net = this.watch.network;
    return { id: this.id, network: net.name, chainId: net.chainId, blockTag: this.tag, blockNumber: head.numberHex, blockHash: head.hash };
  }

  private readFailed(error: unknown, what: string): void {
    if (!(error instanceof ServiceError)) {
      this.log.error({ subscription: this.id, ...errorLogFields(error) }, `watch: reading ${what} failed: internal error`);
      this.sink.refuse({ id: this.id, code: 'UPSTREAM_UNAVAILABLE', detail: `${what} could not be read` });
      return;
    }
    this.sink.refuse({ id: this.id, code: 'UPSTREAM_UNAVAILABLE', detail: `${what} could not be read: ${error.message}`, extra: error.extra });
  }
}
