/**
 * The GET /watch protocol's messages, in one place: what a client may send (parsed and checked
 * here, pure) and what the server sends (built here as JSON text). The README's "Watch" section and
 * the AsyncAPI document describe exactly these shapes.
 *
 * Server messages are built by template, like the batch body (codec/balances.ts): every value is a
 * hex string, a decimal string, a tag word, a boolean or an id of [A-Za-z0-9._:-] (ids and network
 * names still go through JSON.stringify), and balances are the batch route's items as they are.
 */
import type { AddressError } from '../http/batch-body.js';

/** Client -> server operations. */
export const CLIENT_OPS = ['subscribe', 'add', 'remove', 'unsubscribe'] as const;
export type ClientOp = (typeof CLIENT_OPS)[number];

/** Server -> client operations. */
export const SERVER_OPS = ['subscribed', 'added', 'removed', 'unsubscribed', 'block', 'error'] as const;
export type ServerOp = (typeof SERVER_OPS)[number];

/** The tags a subscription may follow. */
export const WATCH_TAGS = ['latest', 'safe', 'finalized'] as const;
export type WatchTag = (typeof WATCH_TAGS)[number];

/** A subscription id: 1-64 characters of A-Za-z0-9._:- chosen by the client, unique on its connection. */
export const SUBSCRIPTION_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Error codes of `error` messages: the HTTP routes' codes that apply here, and the watch's own.
 * Each leaves the connection and its other subscriptions as they were.
 */
export const WATCH_ERROR_CODES = [
  'INVALID_MESSAGE',
  'INVALID_ADDRESSES',
  'TOO_MANY_ADDRESSES',
  'UNKNOWN_NETWORK',
  'INVALID_BLOCK_TAG',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'DUPLICATE_SUBSCRIPTION',
  'UNKNOWN_SUBSCRIPTION',
  'TOO_MANY_SUBSCRIPTIONS',
] as const;
export type WatchErrorCode = (typeof WATCH_ERROR_CODES)[number];

/** WebSocket close codes the server uses. */
export const CLOSE = Object.freeze({
  /** SIGTERM: the task is going away; reconnect (to another task). */
  GOING_AWAY: 1001,
  /** A frame over 1024 + 64 bytes per WATCH_MAX_ADDRESSES address. */
  TOO_BIG: 1009,
  /** A slow consumer: more than WATCH_MAX_BACKPRESSURE_BYTES waiting; resubscribe for a fresh snapshot. */
  TRY_AGAIN_LATER: 1013,
});

// ---- client -> server ---------------------------------------------------------------------------

export interface SubscribeMessage {
  readonly op: 'subscribe';
  readonly id: string;
  /** As sent: each is checked by the single route's rules (strings that are addresses). */
  readonly addresses: readonly unknown[];
  /** A network name or chain id; undefined: the default network. */
  readonly network: string | number | undefined;
  readonly blockTag: WatchTag;
}

export interface AddMessage {
  readonly op: 'add' | 'remove';
  readonly id: string;
  readonly addresses: readonly unknown[];
}

export interface UnsubscribeMessage {
  readonly op: 'unsubscribe';
  readonly id: string;
}

export type ClientMessage = SubscribeMessage | AddMessage | UnsubscribeMessage;

/** A refused message: the error to send back (with the id when the message had a valid one). */
export interface WatchRefusal {
  readonly ok: false;
  readonly code: WatchErrorCode;
  readonly detail: string;
  readonly id?: string | undefined;
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

const MEMBERS: Readonly<Record<ClientOp, readonly string[]>> = {
  subscribe: ['op', 'id', 'addresses', 'network', 'blockTag'],
  add: ['op', 'id', 'addresses'],
  remove: ['op', 'id', 'addresses'],
  unsubscribe: ['op', 'id'],
};

const SHAPES: Readonly<Record<ClientOp, string>> = {
  subscribe: '{"op":"subscribe","id":"s1","addresses":["0x..."],"network":"mainnet","blockTag":"latest"}',
  add: '{"op":"add","id":"s1","addresses":["0x..."]}',
  remove: '{"op":"remove","id":"s1","addresses":["0x..."]}',
  unsubscribe: '{"op":"unsubscribe","id":"s1"}',
};

/**
 * Parses one text frame. `maxAddresses` bounds one message's list (TOO_MANY_ADDRESSES before any
 * address is checked); the connection's own sum is the caller's to check.
 */
export function parseClientMessage(text: string, maxAddresses: number): ClientMessage | WatchRefusal {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse('INVALID_MESSAGE', 'a message is one JSON object, e.g. ' + SHAPES.subscribe);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return refuse('INVALID_MESSAGE', 'a message is one JSON object, e.g. ' + SHAPES.subscribe);
  }
  const message = body as Record<string, unknown>;
  const op = message.op;
  if (typeof op !== 'string' || !(CLIENT_OPS as readonly string[]).includes(op)) {
    return refuse('INVALID_MESSAGE', `"op" must be one of ${CLIENT_OPS.join(', ')}`);
  }
  const known = MEMBERS[op as ClientOp];
  const id = typeof message.id === 'string' && SUBSCRIPTION_ID.test(message.id) ? message.id : undefined;
  if (id === undefined) return refuse('INVALID_MESSAGE', '"id" must be a string of 1-64 characters of A-Za-z0-9._:-');
  for (const member of Object.keys(message)) {
    if (!known.includes(member)) {
      return refuse('INVALID_MESSAGE', `unknown member ${JSON.stringify(member.slice(0, 40))}: ${op} takes ${SHAPES[op as ClientOp]}`, id);
    }
  }
  if (op === 'unsubscribe') return { op, id };
  const addresses = message.addresses;
  if (!Array.isArray(addresses) || addresses.length === 0) {
    return refuse('INVALID_MESSAGE', '"addresses" must be a non-empty array of addresses', id);
  }
  if (addresses.length > maxAddresses) {
    return refuse('TOO_MANY_ADDRESSES', `a connection watches at most ${maxAddresses} addresses, got ${addresses.length} in one message`, id);
  }
  if (op === 'add' || op === 'remove') return { op, id, addresses };
  const network = message.network;
  if (network !== undefined && typeof network !== 'string' && typeof network !== 'number') {
    return refuse('INVALID_MESSAGE', '"network" must be a network name or a chain id', id);
  }
  const tag = message.blockTag;
  if (tag !== undefined && typeof tag !== 'string') return refuse('INVALID_MESSAGE', '"blockTag" must be a string', id);
  if (tag !== undefined && !(WATCH_TAGS as readonly string[]).includes(tag)) {
    return refuse('INVALID_BLOCK_TAG', `a subscription follows ${WATCH_TAGS.join(', ')}; got ${JSON.stringify(tag.slice(0, 70))}`, id);
  }
  return { op: 'subscribe', id, addresses, network, blockTag: (tag ?? 'latest') as WatchTag };
}

function refuse(code: WatchErrorCode, detail: string, id?: string, extra?: Record<string, unknown>): WatchRefusal {
  return { ok: false, code, detail, id, extra };
}

/** A refusal as data (for callers outside this module). */
export function watchRefusal(code: WatchErrorCode, detail: string, id?: string, extra?: Readonly<Record<string, unknown>>): WatchRefusal {
  return { ok: false, code, detail, id, extra };
}

// ---- server -> client ---------------------------------------------------------------------------

/** `{"address","balance","balanceWei"}`: the batch route's item, exactly. */
export interface BalanceEntry {
  readonly address: string;
  readonly balance: string;
  readonly balanceWei: string;
}

/** A changed balance: the item plus the wei last delivered for that address. */
export interface BalanceChange extends BalanceEntry {
  readonly previousWei: string;
}

export interface SnapshotMessage {
  readonly op: 'subscribed' | 'added';
  readonly id: string;
  readonly network: string;
  readonly chainId: number;
  readonly blockTag: WatchTag;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly balances: readonly BalanceEntry[];
}

export interface BlockMessage {
  readonly op: 'block';
  readonly id: string;
  readonly network: string;
  readonly chainId: number;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly previousBlockHash: string;
  readonly reorg: boolean;
  readonly changes: readonly BalanceChange[];
}

export interface AckMessage {
  readonly op: 'removed' | 'unsubscribed';
  readonly id: string;
}

export interface ErrorMessage {
  readonly op: 'error';
  readonly id?: string;
  readonly code: WatchErrorCode;
  readonly detail: string;
  /** INVALID_ADDRESSES: one entry per bad address, as in the batch route. */
  readonly errors?: readonly AddressError[];
  readonly [extra: string]: unknown;
}

export type ServerMessage = SnapshotMessage | BlockMessage | AckMessage | ErrorMessage;

/** Where a message's subscription and block are: what snapshot and block messages share. */
export interface MessageBlock {
  readonly id: string;
  readonly network: string;
  readonly chainId: number;
  readonly blockNumber: string;
  readonly blockHash: string;
}

function prefix(op: ServerOp, at: MessageBlock): string {
  return `{"op":"${op}","id":${JSON.stringify(at.id)},"network":${JSON.stringify(at.network)},"chainId":${at.chainId},"blockNumber":"${at.blockNumber}","blockHash":"${at.blockHash}"`;
}

/** `subscribed` or `added`: `items` are batch items (codec/balances.ts), in first-seen order. */
export function snapshotText(op: 'subscribed' | 'added', at: MessageBlock & { readonly blockTag: WatchTag }, items: readonly string[]): string {
  return `${prefix(op, at)},"blockTag":"${at.blockTag}","balances":[${items.join(',')}]}`;
}

/** One change: a batch item with the wei last delivered for it. */
export function changeText(item: string, previousWei: string): string {
  return `${item.slice(0, -1)},"previousWei":"${previousWei}"}`;
}

export function blockText(at: MessageBlock & { readonly previousBlockHash: string; readonly reorg: boolean }, changes: readonly string[]): string {
  return `${prefix('block', at)},"previousBlockHash":"${at.previousBlockHash}","reorg":${at.reorg},"changes":[${changes.join(',')}]}`;
}

export function ackText(op: 'removed' | 'unsubscribed', id: string): string {
  return `{"op":"${op}","id":${JSON.stringify(id)}}`;
}

export function errorText(refusal: Omit<WatchRefusal, 'ok'>): string {
  const { code, detail, id, extra } = refusal;
  return JSON.stringify({ op: 'error', ...(id === undefined ? {} : { id }), code, detail, ...extra });
}

/** The decimal wei of a batch item (`..."balanceWei":"<digits>"}`), without parsing it. */
export function itemWei(item: string): string {
  return item.slice(item.lastIndexOf(':"') + 2, -2);
}

/** The EIP-55 address of a batch item (`{"address":"0x..."`). */
export function itemAddress(item: string): string {
  return item.slice(12, 54);
}
