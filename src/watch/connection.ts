/**
 * One GET /watch connection: its subscriptions, the addresses they watch (counted against
 * WATCH_MAX_ADDRESSES), what it costs (rate-limit tokens per address subscribed or added), and
 * every send, each checked against WATCH_MAX_BACKPRESSURE_BYTES (a slow consumer is closed with
 * 1013 before uWS would start dropping messages, close frame included).
 */
import type { WebSocket } from '../http/uws.js';
import type { AddressMemo } from '../codec/address.js';
import type { Payer, Rejection } from '../http/admission.js';
import { checkBatchAddresses } from '../http/batch-body.js';
import type { Logger } from '../observability/logger.js';
import { CLOSE, errorText, parseClientMessage, type AddMessage, type ServerOp, type SubscribeMessage, type UnsubscribeMessage, type WatchRefusal } from './messages.js';
import { TAGS, type NetworkWatch } from './network-watch.js';
import { Subscription, type MessageSink } from './subscription.js';
import type { WatchRecorder } from './watch-metrics.js';

/** What every connection shares (the hub's). */
export interface ConnectionDeps {
  readonly memo: AddressMemo;
  readonly maxAddresses: number;
  readonly maxSubscriptions: number;
  readonly maxBackpressureBytes: number;
  /** Largest text frame read: 1024 + 64 bytes per WATCH_MAX_ADDRESSES address. */
  readonly maxFrameBytes: number;
  /** The network a subscribe names (undefined: the default); undefined when none matches. */
  readonly network: (ref: string | number | undefined) => NetworkWatch | undefined;
  /** Names of the served networks, for UNKNOWN_NETWORK's detail. */
  readonly networkNames: () => readonly string[];
  /** Takes `n` rate-limit tokens from `payer`; undefined: go ahead. */
  readonly charge: (payer: Payer, n: number) => Rejection | undefined;
  readonly recorder: WatchRecorder;
  readonly log: Logger;
}

export interface SocketData {
  readonly payer: Payer;
  readonly requestId: string;
  connection?: WatchConnection;
}

export class WatchConnection implements MessageSink {
  private readonly subs = new Map<string, Subscription>();
  private addressCount = 0;
  private open = true;

  constructor(
    private readonly ws: WebSocket<SocketData>,
    private readonly deps: ConnectionDeps,
    readonly requestId: string,
    private readonly payer: Payer,
  ) {}

  /** One frame from the client. */
  received(message: ArrayBuffer, isBinary: boolean): void {
    if (message.byteLength > this.deps.maxFrameBytes) {
      this.close(CLOSE.TOO_BIG, `a message is at most ${this.deps.maxFrameBytes} bytes`);
      return;
    }
    if (isBinary) return this.refuse({ code: 'INVALID_MESSAGE', detail: 'messages are JSON text frames, not binary' });
    const parsed = parseClientMessage(Buffer.from(message).toString('utf8'), this.deps.maxAddresses);
    if ('ok' in parsed) return this.refuse(parsed);
    switch (parsed.op) {
      case 'subscribe':
        return this.subscribe(parsed);
      case 'add':
        return this.add(parsed);
      case 'remove':
        return this.remove(parsed);
      case 'unsubscribe':
        return this.unsubscribe(parsed);
    }
  }

  private subscribe(m: SubscribeMessage): void {
    if (this.subs.has(m.id)) return this.refuse({ id: m.id, code: 'DUPLICATE_SUBSCRIPTION', detail: `subscription "${m.id}" already exists on this connection` });
    if (this.subs.size >= this.deps.maxSubscriptions) {
      return this.refuse({ id: m.id, code: 'TOO_MANY_SUBSCRIPTIONS', detail: `a connection holds at most ${this.deps.maxSubscriptions} subscriptions` });
    }
    const watch = this.deps.network(m.network);
    if (watch === undefined) {
      const named = m.network === undefined ? 'the default network is not known yet' : `network ${JSON.stringify(String(m.network).slice(0, 70))} is not served here`;
      return this.refuse({ id: m.id, code: 'UNKNOWN_NETWORK', detail: `${named}: use one of ${this.deps.networkNames().join(', ')} or its decimal chain id` });
    }
    const refused = watch.network.refusal(TAGS[m.blockTag]);
    if (refused !== undefined) return this.refuse({ id: m.id, code: 'INVALID_BLOCK_TAG', detail: refused });
    const addresses = this.checked(m.id, m.addresses);
    if (addresses === undefined || !this.affords(m.id, addresses.length, m.addresses.length)) return;
    const sub = new Subscription(m.id, m.blockTag, watch, this, this.deps.log);
    this.subs.set(m.id, sub);
    this.addressCount += addresses.length;
    sub.start(addresses, () => {
      if (this.subs.get(m.id) === sub) this.subs.delete(m.id);
      this.addressCount -= addresses.length;
    });
  }

  private add(m: AddMessage): void {
    const sub = this.known(m.id);
    if (sub === undefined) return;
    const addresses = this.checked(m.id, m.addresses);
    if (addresses === undefined) return;
    const fresh = sub.fresh(addresses);
    if (!this.affords(m.id, fresh, m.addresses.length)) return;
    this.addressCount += fresh;
    sub.add(addresses, (n) => (this.addressCount -= n));
  }

  private remove(m: AddMessage): void {
    const sub = this.known(m.id);
    if (sub === undefined) return;
    const addresses = this.checked(m.id, m.addresses);
    if (addresses === undefined) return;
    this.addressCount -= sub.remove(addresses);
  }

  private unsubscribe(m: UnsubscribeMessage): void {
    const sub = this.known(m.id);
    if (sub === undefined) return;
    this.subs.delete(m.id);
    this.addressCount -= sub.size;
    sub.end(true);
  }

  private known(id: string): Subscription | undefined {
    const sub = this.subs.get(id);
    if (sub === undefined) this.refuse({ id, code: 'UNKNOWN_SUBSCRIPTION', detail: `no subscription "${id}" on this connection` });
    return sub;
  }

  /** The single route's rules, all or nothing; EIP-55 forms, duplicates dropped (first seen kept). */
  private checked(id: string, inputs: readonly unknown[]): string[] | undefined {
    const checked = checkBatchAddresses(inputs, (input) => this.deps.memo.check(input));
    if (!checked.ok) {
      this.refuse({ id, code: 'INVALID_ADDRESSES', detail: checked.detail, extra: checked.extra });
      return undefined;
    }
    return [...new Set(checked.addresses)];
  }

  /** Whether `more` addresses fit under WATCH_MAX_ADDRESSES and `tokens` rate-limit tokens are there (taken). */
  private affords(id: string, more: number, tokens: number): boolean {
    const max = this.deps.maxAddresses;
    if (this.addressCount + more > max) {
      this.refuse({ id, code: 'TOO_MANY_ADDRESSES', detail: `a connection watches at most ${max} addresses; it watches ${this.addressCount} and asked for ${more} more` });
      return false;
    }
    const limited = this.deps.charge(this.payer, tokens);
    if (limited !== undefined) {
      this.refuse({ id, code: 'RATE_LIMITED', detail: limited.detail, extra: limited.extra });
      return false;
    }
    return true;
  }

  refuse(refusal: Omit<WatchRefusal, 'ok'>): void {
    this.send(errorText(refusal), 'error');
  }

  send(text: string, op: ServerOp): boolean {
    if (!this.open) return false;
    const limit = this.deps.maxBackpressureBytes;
    if (this.ws.getBufferedAmount() > limit) return this.slow();
    this.ws.send(text, false);
    this.deps.recorder.sent(op);
    if (this.ws.getBufferedAmount() > limit) this.slow();
    return true;
  }

  private slow(): false {
    this.deps.recorder.slowConsumerClosed();
    this.close(CLOSE.TRY_AGAIN_LATER, 'too slow: more than WATCH_MAX_BACKPRESSURE_BYTES waiting; resubscribe for a fresh snapshot');
    return false;
  }

  /** Closes with `code` (the close handler then ends every subscription). */
  close(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.ws.end(code, reason);
  }

  /** The socket is gone: every subscription ends, nothing more is sent. */
  closed(): void {
    this.open = false;
    for (const sub of this.subs.values()) sub.end(false);
    this.subs.clear();
    this.addressCount = 0;
  }
}
