/**
 * The AsyncAPI 3.0 document of GET /watch, served at GET /asyncapi.json: the channel, every
 * operation (what the service receives and sends), every message with its payload schema, the
 * error codes, close codes and how to authenticate. The document describes the service, so client
 * messages are operations it `receive`s (each with its reply) and server messages ones it `send`s.
 * Tests validate the messages they receive against these schemas (testing/asyncapi-validator.ts).
 */
import { ERRORS } from '../errors.js';
import { ERROR_MEANINGS, watchPayloads } from './asyncapi-messages.js';
import { CLIENT_OPS, CLOSE, SERVER_OPS, type ClientOp, type ServerOp } from './messages.js';
import { WATCH_PROTOCOL } from './upgrade-checks.js';
import { WATCH_ROUTE } from './watch-route.js';

export interface AsyncApiOptions {
  /** WATCH_MAX_ADDRESSES: the per-connection bound every address list is held to. */
  readonly maxAddresses: number;
  /** WATCH_MAX_SUBSCRIPTIONS. */
  readonly maxSubscriptions: number;
  /** The service's version (package.json). */
  readonly version?: string;
  /** API_KEYS is set: the upgrade needs a key. */
  readonly apiKeys?: boolean;
  /** PUBLIC_BASE_URL: the server entry's host and scheme. */
  readonly publicBaseUrl?: string | undefined;
}

type Json = Record<string, unknown>;

const A = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const B = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const AT = { network: 'mainnet', chainId: 1, blockNumber: '0x1588a5c', blockHash: '0x4e3a3754410177e6937ef1f84bba68ea139e8d1a2258c5f85db9f1cd715a1bdd' };
const NEXT = { blockNumber: '0x1588a5d', blockHash: '0x9d1c2f0e4b3a59687d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c' };

/** One example per message: a conversation of one subscription. */
export const WATCH_EXAMPLES: Readonly<Record<ClientOp | ServerOp, Json>> = {
  subscribe: { op: 'subscribe', id: 's1', addresses: [A], network: 'mainnet', blockTag: 'latest' },
  subscribed: { op: 'subscribed', id: 's1', ...AT, blockTag: 'latest', balances: [{ address: A, balance: '0.0001365', balanceWei: '136500000000000' }] },
  block: {
    op: 'block',
    id: 's1',
    ...AT,
    ...NEXT,
    previousBlockHash: AT.blockHash,
    reorg: false,
    changes: [{ address: A, balance: '0.0002365', balanceWei: '236500000000000', previousWei: '136500000000000' }],
  },
  add: { op: 'add', id: 's1', addresses: [B] },
  added: { op: 'added', id: 's1', ...AT, ...NEXT, blockTag: 'latest', balances: [{ address: B, balance: '0.0', balanceWei: '0' }] },
  remove: { op: 'remove', id: 's1', addresses: [B] },
  removed: { op: 'removed', id: 's1' },
  unsubscribe: { op: 'unsubscribe', id: 's1' },
  unsubscribed: { op: 'unsubscribed', id: 's1' },
  error: {
    op: 'error',
    id: 's2',
    code: 'INVALID_ADDRESSES',
    detail: '1 of 1 addresses is invalid',
    errors: [{ index: 0, code: 'ADDRESS_NOT_CHECKSUMMED', checksummed: A }],
  },
};

const SUMMARIES: Readonly<Record<ClientOp | ServerOp, string>> = {
  subscribe: 'Watch addresses at a tag: answered by `subscribed` (a snapshot) or `error`',
  add: 'Watch more addresses on a subscription: answered by `added` or `error`',
  remove: 'Stop watching some addresses of a subscription: answered by `removed` or `error`',
  unsubscribe: 'End a subscription: answered by `unsubscribed` or `error`',
  subscribed: 'A snapshot of every watched address at one pinned block, as fresh as a GET at that tag',
  added: 'The added addresses at the block this subscription last delivered',
  removed: 'The addresses are no longer watched',
  unsubscribed: 'The subscription is gone',
  block: 'One per block adopted at the subscription\'s tag, in order: the balances that changed since last delivered',
  error: 'A refused message; the connection and its other subscriptions stay as they were',
};

const REPLIES: Readonly<Record<ClientOp, ServerOp>> = { subscribe: 'subscribed', add: 'added', remove: 'removed', unsubscribe: 'unsubscribed' };

const ref = (path: string) => ({ $ref: path });
const messageRef = (op: ClientOp | ServerOp) => ref(`#/channels/watch/messages/${op}`);
const title = (op: string) => op[0]!.toUpperCase() + op.slice(1);

function description(options: AsyncApiOptions): string {
  const upgradeCodes = (['UNAUTHORIZED', 'ORIGIN_NOT_ALLOWED', 'TOO_MANY_CONNECTIONS'] as const).map((c) => `${ERRORS[c].status} ${c}`).join(', ');
  return [
    'Balances pushed as blocks arrive: `GET /watch` upgraded to a WebSocket, one JSON object per text frame.',
    'A client that starts from a `subscribed` snapshot and applies each `block` message\'s `changes` holds, for every watched address, exactly `eth_getBalance(address, blockHash)` of the last message: transfers, contract-internal transfers, balance changes with no transaction, reorgs and skipped blocks included. A reconnect is a fresh snapshot.',
    '',
    `**Upgrade.** Refused with an \`application/problem+json\` answer (no socket): ${upgradeCodes} (WATCH_MAX_CONNECTIONS per process). ` +
      `${options.apiKeys === true ? 'This deployment requires an API key' : 'With API_KEYS set, the upgrade needs an API key'}: the \`x-api-key\` header, or, from a browser (which cannot set headers on a WebSocket), the subprotocol \`api-key.<key>\` offered next to \`${WATCH_PROTOCOL}\` ` +
      `(\`new WebSocket(url, ['${WATCH_PROTOCOL}', 'api-key.' + key])\`; base64url-encode a key with \`+\`, \`/\` or \`=\`), which keeps the key out of URLs and logs; the server answers \`${WATCH_PROTOCOL}\` only. ` +
      'With CORS_ORIGINS set, an upgrade from another `Origin` gets 403. Subscribing or adding n addresses costs n rate-limit tokens.',
    '',
    `**Limits.** ${options.maxAddresses} addresses per connection summed over its subscriptions (WATCH_MAX_ADDRESSES), ${options.maxSubscriptions} subscriptions per connection (WATCH_MAX_SUBSCRIPTIONS).`,
    '',
    '**Close codes.** ' +
      `${CLOSE.GOING_AWAY}: the task is shutting down (SIGTERM), reconnect (to another task); ` +
      `${CLOSE.TOO_BIG}: a frame over 1024 + 64 bytes per WATCH_MAX_ADDRESSES address; ` +
      `${CLOSE.TRY_AGAIN_LATER}: a slow consumer, more than WATCH_MAX_BACKPRESSURE_BYTES waiting; resubscribe for a fresh snapshot, nothing is lost. ` +
      'The server pings idle connections, so they outlive the load balancer\'s idle timeout.',
    '',
    '**Error codes** (`error` messages):',
    ...Object.entries(ERROR_MEANINGS).map(([code, meaning]) => `- \`${code}\`: ${meaning}`),
  ].join('\n');
}

function server(options: AsyncApiOptions): Json {
  const base = options.publicBaseUrl === undefined ? undefined : new URL(options.publicBaseUrl);
  return {
    host: base?.host ?? 'localhost:3000',
    protocol: base === undefined || base.protocol === 'http:' ? 'ws' : 'wss',
    description: base === undefined ? 'This service (PORT)' : 'PUBLIC_BASE_URL',
    ...(options.apiKeys === true ? { security: [ref('#/components/securitySchemes/apiKey')] } : {}),
  };
}

export function asyncApiDocument(options: AsyncApiOptions): Json {
  const payloads = watchPayloads(options.maxAddresses);
  const ops = [...CLIENT_OPS, ...SERVER_OPS];
  const messages = Object.fromEntries(
    ops.map((op) => [
      op,
      {
        name: op,
        title: title(op),
        summary: SUMMARIES[op],
        contentType: 'application/json',
        payload: payloads[op],
        examples: [{ name: op, payload: WATCH_EXAMPLES[op] }],
      },
    ]),
  );
  const operations: Record<string, Json> = {};
  for (const op of CLIENT_OPS) {
    operations[op] = {
      action: 'receive',
      channel: ref('#/channels/watch'),
      summary: SUMMARIES[op],
      messages: [messageRef(op)],
      reply: { channel: ref('#/channels/watch'), messages: [messageRef(REPLIES[op]), messageRef('error')] },
    };
  }
  operations.block = { action: 'send', channel: ref('#/channels/watch'), summary: SUMMARIES.block, messages: [messageRef('block')] };
  operations.error = { action: 'send', channel: ref('#/channels/watch'), summary: SUMMARIES.error, messages: [messageRef('error')] };
  return {
    asyncapi: '3.0.0',
    info: { title: 'balance-api watch', version: options.version ?? '0.1.0', description: description(options) },
    defaultContentType: 'application/json',
    servers: { service: server(options) },
    channels: {
      watch: {
        address: WATCH_ROUTE,
        title: 'Watch',
        description: 'One connection, any number of subscriptions (each with its own id, addresses, network and tag).',
        messages: Object.fromEntries(ops.map((op) => [op, ref(`#/components/messages/${op}`)])),
        bindings: {
          ws: {
            method: 'GET',
            headers: {
              type: 'object',
              properties: {
                'x-api-key': { type: 'string', description: 'One of API_KEYS (browsers: the `api-key.<key>` subprotocol instead)' },
                'sec-websocket-protocol': { type: 'string', description: `\`${WATCH_PROTOCOL}\`, and from browsers \`api-key.<key>\`` },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: {
      messages,
      securitySchemes: {
        apiKey: { type: 'httpApiKey', name: 'x-api-key', in: 'header', description: 'One of the keys of API_KEYS; browsers offer it as the subprotocol `api-key.<key>`' },
      },
    },
  };
}

export function asyncApiBody(options: AsyncApiOptions): Buffer {
  return Buffer.from(JSON.stringify(asyncApiDocument(options)));
}
