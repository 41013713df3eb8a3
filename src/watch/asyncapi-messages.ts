/**
 * The payload schemas of every GET /watch message, client and server, for the AsyncAPI document
 * (asyncapi.ts). The field formats are the HTTP routes' own (openapi-components.ts): `blockNumber`
 * hex, `balance` decimal ether, `balanceWei` and `previousWei` decimal wei, EIP-55 addresses, so a
 * watch message and a GET of the same block carry the same strings. The lists (ops, tags, error
 * codes) come from messages.ts, the module that parses and builds the messages.
 */
import { BLOCK_HASH, CHECKSUMMED, DECIMAL, ETHER, HEX_QUANTITY, PROBLEM_EXTRAS } from '../http/openapi-components.js';
import { SUBSCRIPTION_ID, WATCH_ERROR_CODES, WATCH_TAGS, type ClientOp, type ServerOp } from './messages.js';

type Json = Record<string, unknown>;

/** What each error code means here (the `error` message's description lists them all). */
export const ERROR_MEANINGS: Readonly<Record<(typeof WATCH_ERROR_CODES)[number], string>> = {
  INVALID_MESSAGE: 'not JSON, a binary frame, an unknown `op`, or a missing, unknown or ill-typed member',
  INVALID_ADDRESSES: 'some addresses break the single route\'s rules; `errors` lists each (`index`, `code`, `checksummed`)',
  TOO_MANY_ADDRESSES: 'the connection would watch more than WATCH_MAX_ADDRESSES addresses, summed over its subscriptions',
  UNKNOWN_NETWORK: '`network` is neither a served network\'s name nor its chain id',
  INVALID_BLOCK_TAG: '`blockTag` is not `latest`, `safe` or `finalized`',
  RATE_LIMITED: 'subscribing or adding n addresses costs n rate-limit tokens; `retryAfterSeconds` says when to try again',
  UPSTREAM_UNAVAILABLE: 'the snapshot (`subscribed`/`added`) could not be read; `providers` lists the redacted causes',
  DUPLICATE_SUBSCRIPTION: '`subscribe` with an `id` already used on this connection',
  UNKNOWN_SUBSCRIPTION: '`add`, `remove` or `unsubscribe` of an `id` this connection does not hold',
  TOO_MANY_SUBSCRIPTIONS: 'the connection already holds WATCH_MAX_SUBSCRIPTIONS subscriptions',
};

const ID = { type: 'string', pattern: SUBSCRIPTION_ID.source, description: 'Client-chosen subscription id (1-64 of A-Za-z0-9._:-), unique on the connection' };
const NETWORK = { type: 'string', description: 'Name of the network the subscription watches' };
const CHAIN_ID = { type: 'integer', minimum: 1, description: 'Its chain id (a JSON number)' };
const BLOCK_NUMBER = { ...HEX_QUANTITY, description: 'The block every balance of the message was read at (hex, as in every HTTP body)' };
const HASH = { ...BLOCK_HASH, description: 'Hash of that block: every balance of the message was read pinned to it (EIP-1898)' };
const TAG = { type: 'string', enum: [...WATCH_TAGS], default: 'latest', description: 'The tag whose adopted heads the subscription follows' };

function addresses(maxAddresses: number, description: string): Json {
  return {
    type: 'array',
    minItems: 1,
    maxItems: maxAddresses,
    description: `${description}. Checked by the single route's rules (strict EIP-55 checksum unless ADDRESS_CHECKSUM=lenient); duplicates count once`,
    items: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' },
  };
}

function object(op: ClientOp | ServerOp, required: readonly string[], properties: Json, extra = false): Json {
  return { type: 'object', required: ['op', ...required], properties: { op: { const: op }, ...properties }, additionalProperties: extra };
}

const ENTRY = {
  type: 'object',
  required: ['address', 'balance', 'balanceWei'],
  properties: { address: CHECKSUMMED, balance: ETHER, balanceWei: { ...DECIMAL, description: 'Exact balance in wei (decimal string)' } },
  additionalProperties: false,
};

const CHANGE = {
  type: 'object',
  required: ['address', 'balance', 'balanceWei', 'previousWei'],
  properties: { ...ENTRY.properties, previousWei: { ...DECIMAL, description: 'The wei last delivered for this address on this subscription' } },
  additionalProperties: false,
};

function snapshot(op: 'subscribed' | 'added', maxAddresses: number): Json {
  return object(op, ['id', 'network', 'chainId', 'blockTag', 'blockNumber', 'blockHash', 'balances'], {
    id: ID,
    network: NETWORK,
    chainId: CHAIN_ID,
    blockTag: TAG,
    blockNumber: BLOCK_NUMBER,
    blockHash: HASH,
    balances: {
      type: 'array',
      maxItems: maxAddresses,
      description:
        op === 'subscribed'
          ? 'Every watched address at the pinned block, EIP-55, in first-seen order: the batch route\'s items, exactly'
          : 'The added addresses, at the block this subscription last delivered',
      items: ENTRY,
    },
  });
}

/** The payload schema of each message, by its `op` (every op is one message, client or server). */
export function watchPayloads(maxAddresses: number): Record<ClientOp | ServerOp, Json> {
  return {
    subscribe: object('subscribe', ['id', 'addresses'], {
      id: ID,
      addresses: addresses(maxAddresses, 'The addresses to watch'),
      network: {
        type: ['string', 'integer'],
        description: 'A served network\'s name or its chain id; default: the default network',
      },
      blockTag: TAG,
    }),
    add: object('add', ['id', 'addresses'], { id: ID, addresses: addresses(maxAddresses, 'Addresses to watch as well') }),
    remove: object('remove', ['id', 'addresses'], { id: ID, addresses: addresses(maxAddresses, 'Addresses to stop watching') }),
    unsubscribe: object('unsubscribe', ['id'], { id: ID }),
    subscribed: snapshot('subscribed', maxAddresses),
    added: snapshot('added', maxAddresses),
    removed: object('removed', ['id'], { id: ID }),
    unsubscribed: object('unsubscribed', ['id'], { id: ID }),
    block: object('block', ['id', 'network', 'chainId', 'blockNumber', 'blockHash', 'previousBlockHash', 'reorg', 'changes'], {
      id: ID,
      network: NETWORK,
      chainId: CHAIN_ID,
      blockNumber: BLOCK_NUMBER,
      blockHash: HASH,
      previousBlockHash: { ...BLOCK_HASH, description: 'The block of this subscription\'s previous `subscribed` or `block` message' },
      reorg: { type: 'boolean', description: 'true when previousBlockHash is no longer on the canonical chain' },
      changes: {
        type: 'array',
        maxItems: maxAddresses,
        description: 'Every watched address whose balance at blockHash differs from the one last delivered; empty: a heartbeat and a cursor',
        items: CHANGE,
      },
    }),
    error: object(
      'error',
      ['code', 'detail'],
      {
        id: { ...ID, description: 'The subscription the refused message named, when it named a valid id' },
        code: { type: 'string', enum: [...WATCH_ERROR_CODES] },
        detail: { type: 'string', description: 'What was wrong and how to fix it' },
        ...PROBLEM_EXTRAS,
      },
      true,
    ),
  };
}
