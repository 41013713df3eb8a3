/**
 * The OpenAPI document's components: the body schemas every route shares, and the API key scheme.
 * Used by openapi.ts; split off so each file keeps one job.
 */
import { ERRORS, type ErrorCode } from '../errors.js';

type Json = Record<string, unknown>;

export const ADDRESS_CODES: readonly ErrorCode[] = ['INVALID_ADDRESS', 'ADDRESS_NOT_CHECKSUMMED', 'BAD_CHECKSUM'];

export const HEX_QUANTITY = { type: 'string', pattern: '^0x(0|[1-9a-f][0-9a-f]*)$' } as const;
export const BLOCK_HASH = { type: 'string', pattern: '^0x[0-9a-f]{64}$' } as const;
export const CHECKSUMMED = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'EIP-55 checksummed address' } as const;
export const DECIMAL = { type: 'string', pattern: '^(0|[1-9][0-9]*)$' } as const;
export const ETHER = { type: 'string', pattern: '^(0|[1-9][0-9]*)\\.[0-9]+$', description: 'exact decimal ether (18 decimals at most)' } as const;
const TYPE_URI = {
  type: 'string',
  format: 'uri-reference',
  description: 'The problem type: `/problems/<code in kebab case>` on this service (absolute under PUBLIC_BASE_URL when set); GET it for what the code means and what to do',
} as const;

/** Members some problems add (the HTTP routes' problem bodies and the watch's error messages). */
export const PROBLEM_EXTRAS = {
  errors: {
    type: 'array',
    description: 'INVALID_ADDRESSES: each bad address',
    items: {
      type: 'object',
      required: ['index', 'code'],
      properties: { index: { type: 'integer', minimum: 0 }, code: { enum: ADDRESS_CODES }, checksummed: CHECKSUMMED },
      additionalProperties: false,
    },
  },
  providers: {
    type: 'array',
    description: 'UPSTREAM_UNAVAILABLE, STATE_UNAVAILABLE, UNVERIFIABLE: each provider with its redacted cause',
    items: {
      type: 'object',
      required: ['name', 'kind', 'error'],
      properties: { name: { type: 'string' }, kind: { type: 'string' }, error: { type: 'string' } },
    },
  },
  retryAfterSeconds: { type: 'integer', minimum: 0, description: 'RATE_LIMITED: seconds to wait before asking again' },
} as const;

export const BLOCK_TAG_DESCRIPTION =
  '`latest` (default), `safe`, `finalized`, a block number (decimal `19000000` or hex `0x121eac0`, at most 2^64-1) or a block hash (`0x` + 64 hex digits). ' +
  'Anything else (a sign, a fraction, an exponent, `pending`, a hash of the wrong length) is INVALID_BLOCK_TAG. ' +
  'A number above the current head or an unknown hash is BLOCK_NOT_FOUND; state no provider still has is STATE_UNAVAILABLE.';

export const NETWORK_DESCRIPTION =
  'The network to read: a configured network\'s name (NETWORKS, e.g. `base`) or its decimal chain id (`8453`); default: the default network (the first of NETWORKS). ' +
  'A network not served here, or a malformed value, is UNKNOWN_NETWORK (its `networks` lists the names served). A tag the chain\'s nodes do not serve (Linea: `safe`) is INVALID_BLOCK_TAG; a verified read on a chain without state proofs (zkSync) is VERIFY_UNSUPPORTED.';

export const NETWORK_PARAMETER = { name: 'network', in: 'query', required: false, description: NETWORK_DESCRIPTION, schema: { type: 'string' } } as const;

export function openApiComponents(batchMaxAddresses: number): Json {
  const balanceFields = {
    network: { type: 'string', description: 'Canonical name of the network read (mainnet, base, arbitrum, devnet, chain-<id>), whichever form the request named it by' },
    chainId: { type: 'integer', minimum: 1, description: 'Chain id of that network' },
    blockTag: {
      type: 'string',
      description: 'The tag asked for: latest, safe, finalized, the number as lower-case hex, or the hash in lower case',
      pattern: '^(latest|safe|finalized|0x(0|[1-9a-f][0-9a-f]*)|0x[0-9a-f]{64})$',
    },
    blockNumber: { ...HEX_QUANTITY, description: 'The block the balance was read at (hex)' },
    blockHash: { ...BLOCK_HASH, description: 'Hash of that block: every balance in the answer was read pinned to it (EIP-1898)' },
    headBlockNumber: { ...HEX_QUANTITY, description: 'The block the balance was read at; always equal to blockNumber' },
    rpcLatencyMs: { type: 'number', minimum: 0, description: 'Upstream round trip of the read that produced the value (0 when none was needed)' },
  };
  return {
    securitySchemes: {
      ApiKey: {
        type: 'apiKey',
        in: 'header',
        name: 'x-api-key',
        description: 'One of the keys of API_KEYS. Deployments without API_KEYS take any request without a key.',
      },
    },
    schemas: {
      Balance: {
        type: 'object',
        required: ['address', 'network', 'chainId', 'blockTag', 'blockNumber', 'blockHash', 'headBlockNumber', 'balance', 'balanceWei', 'rpcLatencyMs'],
        properties: {
          address: CHECKSUMMED,
          ...balanceFields,
          balance: ETHER,
          balanceWei: { ...DECIMAL, description: 'Exact balance in wei' },
          verified: { type: 'boolean', description: 'true when the balance was proven against the block state root' },
          stateRoot: { ...BLOCK_HASH, description: 'State root the balance was proven against (verified answers only)' },
        },
        additionalProperties: false,
      },
      BalancesRequest: {
        type: 'object',
        required: ['addresses'],
        properties: {
          addresses: { type: 'array', minItems: 1, maxItems: batchMaxAddresses, items: { type: 'string' } },
          blockTag: { type: 'string', default: 'latest', description: BLOCK_TAG_DESCRIPTION },
          network: {
            oneOf: [{ type: 'string' }, { type: 'integer', minimum: 1 }],
            description: `${NETWORK_DESCRIPTION} Here also the chain id as a JSON number.`,
          },
        },
        additionalProperties: false,
      },
      Balances: {
        type: 'object',
        required: ['network', 'chainId', 'blockTag', 'blockNumber', 'blockHash', 'headBlockNumber', 'rpcLatencyMs', 'balances'],
        properties: {
          ...balanceFields,
          balances: {
            type: 'array',
            minItems: 1,
            maxItems: batchMaxAddresses,
            items: {
              type: 'object',
              required: ['address', 'balance', 'balanceWei'],
              properties: { address: CHECKSUMMED, balance: ETHER, balanceWei: DECIMAL },
              additionalProperties: false,
            },
          },
          verified: { type: 'boolean', description: 'true when every balance was proven against the block state root' },
          stateRoot: { ...BLOCK_HASH, description: 'State root the balances were proven against (verified answers only)' },
        },
        additionalProperties: false,
      },
      Provider: {
        type: 'object',
        required: ['name', 'state', 'score', 'requests', 'errors'],
        properties: {
          name: { type: 'string' },
          network: { type: 'string', description: 'The network this provider serves (the same URL on two networks is two providers)' },
          chainId: { type: ['integer', 'null'], description: 'The chain id the provider answered' },
          expectedChainId: { type: ['integer', 'null'], description: "Its network's chain id: a provider on another (state wrong-chain) is never read" },
          url: { type: 'string', description: 'Redacted' },
          state: { enum: ['healthy', 'cooling', 'open', 'wrong-chain', 'lagging', 'untrusted', 'unknown'] },
          score: { type: 'number', minimum: 0, maximum: 1 },
          requests: { type: 'integer', minimum: 0 },
          errors: { type: 'integer', minimum: 0 },
        },
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details with a stable code',
        required: ['type', 'title', 'status', 'code', 'detail'],
        properties: {
          type: TYPE_URI,
          title: { type: 'string' },
          status: { type: 'integer' },
          code: { enum: Object.keys(ERRORS) },
          detail: { type: 'string' },
          instance: { type: 'string' },
          checksummed: { ...CHECKSUMMED, description: 'The correct EIP-55 form of a well-formed address' },
          ...PROBLEM_EXTRAS,
          retryAfterSeconds: { ...PROBLEM_EXTRAS.retryAfterSeconds, description: 'RATE_LIMITED: also in the retry-after header' },
        },
      },
      ProblemType: {
        type: 'object',
        description: 'What a problem type means: GET /problems/<name> with Accept: application/json',
        required: ['type', 'code', 'status', 'title', 'when', 'action'],
        properties: {
          type: TYPE_URI,
          code: { enum: Object.keys(ERRORS) },
          status: { type: 'integer' },
          title: { type: 'string' },
          when: { type: 'string', description: 'When the service answers it' },
          action: { type: 'string', description: 'What the client should do' },
        },
        additionalProperties: false,
      },
    },
  };
}
