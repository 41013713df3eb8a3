/**
 * A GET /watch client for tests (the `ws` package): messages queued as they arrive and awaited in
 * order, and the client state the protocol promises (snapshot + changes per subscription), with
 * THE INVARIANT checked against the node: every watched balance equals eth_getBalance at the
 * block of that subscription's last message. Every message is checked against the AsyncAPI
 * document's schema for its op as it is applied.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { ServerMessage } from '../watch/messages.js';
import { assertWatchMessage } from './asyncapi-validator.js';

export interface WatchClientOptions {
  readonly headers?: Record<string, string>;
  readonly protocols?: readonly string[];
}

/** The state a client builds: per subscription, the block of its last message and each balance. */
export interface SubscriptionState {
  blockHash: string;
  blockNumber: string;
  readonly balances: Map<string, string>;
}

export class WatchClient {
  readonly socket: WebSocket;
  private readonly queue: ServerMessage[] = [];
  private waiter: (() => void) | undefined;
  readonly states = new Map<string, SubscriptionState>();
  /** Every message received, in order. */
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the server sends text frames only');
      const message = JSON.parse(String(data)) as ServerMessage;
      this.received.push(message);
      this.queue.push(message);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static connect(url: string, options: WatchClientOptions = {}): Promise<WatchClient> {
    const socket = new WebSocket(url, options.protocols === undefined ? [] : [...options.protocols], { headers: options.headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WatchClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') })));
      });
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (in arrival order), applied to the client state. */
  async next(): Promise<ServerMessage> {
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.waiter = resolve));
    this.waiter = undefined;
    const message = this.queue.shift()!;
    this.apply(message);
    return message;
  }

  /** Messages until one matches `match` (the skipped ones applied too); returns the match. */
  async until(match: (m: ServerMessage) => boolean): Promise<ServerMessage> {
    for (;;) {
      const m = await this.next();
      if (match(m)) return m;
    }
  }

  private apply(m: ServerMessage): void {
    assertWatchMessage(m);
    if (m.op === 'subscribed') {
      this.states.set(m.id, { blockHash: m.blockHash, blockNumber: m.blockNumber, balances: new Map(m.balances.map((b) => [b.address, b.balanceWei])) });
    } else if (m.op === 'added') {
      const s = this.states.get(m.id)!;
      assert.equal(m.blockHash, s.blockHash, 'added is at the last delivered block');
      for (const b of m.balances) s.balances.set(b.address, b.balanceWei);
    } else if (m.op === 'block') {
      const s = this.states.get(m.id)!;
      assert.equal(m.previousBlockHash, s.blockHash, 'previousBlockHash is the block of the previous message');
      for (const c of m.changes) {
        assert.equal(c.previousWei, s.balances.get(c.address), `previousWei of ${c.address}`);
        s.balances.set(c.address, c.balanceWei);
      }
      s.blockHash = m.blockHash;
      s.blockNumber = m.blockNumber;
    } else if (m.op === 'removed') {
      // The test removes from its own expectations; the state keeps only what is still watched.
    } else if (m.op === 'unsubscribed') {
      this.states.delete(m.id);
    }
  }

  /** THE INVARIANT for subscription `id`: every balance held equals eth_getBalance at its last message's block. */
  async check(id: string, balanceAt: (address: string, blockHash: string) => Promise<bigint>): Promise<void> {
    const s = this.states.get(id);
    assert.ok(s !== undefined, `no state for ${id}`);
    for (const [address, wei] of s.balances) {
      assert.equal(wei, String(await balanceAt(address, s.blockHash)), `${address} at ${s.blockNumber} (${s.blockHash})`);
    }
  }

  forget(id: string, addresses: readonly string[]): void {
    for (const a of addresses) this.states.get(id)?.balances.delete(a);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}
