/**
 * The OpenAPI 3.1 document served at GET /openapi.json: every route, parameter, request body,
 * response and error code. Error codes and their statuses come from the one table in errors.ts, so
 * a code cannot appear here with another status than the service sends. Tests validate the
 * responses they receive against this document (openapi-validator.ts), so it cannot drift.
 */
import { ERRORS, type ErrorCode } from '../errors.js';

export interface OpenApiOptions {
  readonly batchMaxAddresses: number;
  readonly upstreamBatchMax: number;
  /** The service's version (package.json). */
  readonly version?: string;
}

type Json = Record<string, unknown>;

const HEX_QUANTITY = { type: 'string', pattern: '^0x(0|[1-9a-f][0-9a-f]*)$' } as const;
const BLOCK_HASH = { type: 'string', pattern: '^0x[0-9a-f]{64}$' } as const;
const CHECKSUMMED = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'EIP-55 checksummed address' } as const;
const DECIMAL = { type: 'string', pattern: '^(0|[1-9][0-9]*)$' } as const;
const ETHER = { type: 'string', pattern: '^(0|[1-9][0-9]*)\\.[0-9]+$', description: 'exact decimal ether (18 decimals at most)' } as const;

/** Codes every route can answer before its own work (admission: shape, key, rate limit). */
const ADMISSION: readonly ErrorCode[] = ['BAD_REQUEST', 'BODY_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'URI_TOO_LONG', 'HEADERS_TOO_LARGE', 'INTERNAL'];
const ACCESS: readonly ErrorCode[] = ['UNAUTHORIZED', 'RATE_LIMITED'];
const ADDRESS_CODES: readonly ErrorCode[] = ['INVALID_ADDRESS', 'ADDRESS_NOT_CHECKSUMMED', 'BAD_CHECKSUM'];
const READ_CODES: readonly ErrorCode[] = ['INVALID_BLOCK_TAG', 'BLOCK_NOT_FOUND', 'UPSTREAM_UNAVAILABLE', 'STATE_UNAVAILABLE', 'NOT_READY'];
/** Verified reads (VERIFY_PROOFS, ?verify=): src/verify/. */
const VERIFY_CODES: readonly ErrorCode[] = ['UNVERIFIABLE'];

const VERIFY_PARAMETER = {
  name: 'verify',
  in: 'query',
  required: false,
  description:
    'true: prove the balance against the block state root (a quorum-agreed block hash, its header, an account proof); default VERIFY_PROOFS. Anything but true/false is BAD_REQUEST',
  schema: { type: 'string', enum: ['true', 'false'] },
} as const;

const BLOCK_TAG_DESCRIPTION =
  '`latest` (default), `safe`, `finalized`, a block number (decimal `19000000` or hex `0x121eac0`, at most 2^64-1) or a block hash (`0x` + 64 hex digits). ' +
  'Anything else (a sign, a fraction, an exponent, `pending`, a hash of the wrong length) is INVALID_BLOCK_TAG. ' +
  'A number above the current head or an unknown hash is BLOCK_NOT_FOUND; state no provider still has is STATE_UNAVAILABLE.';

/** Problem responses for `codes`, grouped by the status errors.ts gives each. */
function problemResponses(codes: readonly ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `${c}: ${ERRORS[c].title}`).join('; '),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { enum: list }, status: { const: status } } }],
          },
        },
      },
    };
  }
  return out;
}

const REQUEST_ID_HEADER = {
  'x-request-id': { description: "The request's id (the caller's x-request-id when usable)", schema: { type: 'string' } },
};

function ok(description: string, schema: Json, contentType = 'application/json'): Json {
  return { description, headers: REQUEST_ID_HEADER, content: { [contentType]: { schema } } };
}

export function openApiDocument(options: OpenApiOptions): Json {
  const { batchMaxAddresses, upstreamBatchMax } = options;
  const balanceFields = {
    network: { type: 'string', description: 'Network name of the chain served (mainnet, sepolia, devnet, chain-<id>)' },
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
    openapi: '3.1.0',
    info: {
      title: 'balance-api',
      version: options.version ?? '0.1.0',
      description:
        'ETH balances read from health-scored JSON-RPC providers, pinned to one block per answer. ' +
        'Errors are RFC 9457 problem details (application/problem+json) with a stable `code`.',
    },
    paths: {
      '/address/balance/{address}': {
        get: {
          operationId: 'getBalance',
          summary: 'The balance of one address at one block',
          parameters: [
            {
              name: 'address',
              in: 'path',
              required: true,
              description: 'EIP-55 checksummed address (all-lower or all-upper case is refused unless ADDRESS_CHECKSUM=lenient)',
              schema: { type: 'string' },
            },
            { name: 'blockTag', in: 'query', required: false, description: BLOCK_TAG_DESCRIPTION, schema: { type: 'string', default: 'latest' } },
            VERIFY_PARAMETER,
          ],
          responses: {
            '200': ok('The balance', { $ref: '#/components/schemas/Balance' }),
            ...problemResponses([...ADMISSION, ...ACCESS, ...ADDRESS_CODES, ...READ_CODES, ...VERIFY_CODES]),
          },
        },
      },
      '/address/balances': {
        post: {
          operationId: 'getBalances',
          summary: `Balances of 1 to ${batchMaxAddresses} addresses, all at one block`,
          description:
            'Every balance in the answer is read at the one block the tag resolves to, in request order, duplicates answered as asked. ' +
            `Cached addresses come from the cache; the rest go upstream in JSON-RPC batches of at most ${upstreamBatchMax} calls (or one Multicall3 eth_call per ${upstreamBatchMax} addresses where the provider has it), all at that block. ` +
            'All or nothing: any bad address refuses the whole batch (INVALID_ADDRESSES lists each). A batch of n addresses counts n against rate limits. ' +
            'Any other method on this path is 405; a content type other than application/json is 415.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/BalancesRequest' } } },
          },
          parameters: [VERIFY_PARAMETER],
          responses: {
            '200': ok('The balances', { $ref: '#/components/schemas/Balances' }),
            ...problemResponses([
              ...ADMISSION,
              ...ACCESS,
              'INVALID_BODY',
              'TOO_MANY_ADDRESSES',
              'INVALID_ADDRESSES',
              'UNSUPPORTED_MEDIA_TYPE',
              ...READ_CODES,
              ...VERIFY_CODES,
            ]),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness: the process answers',
          responses: {
            '200': ok('Alive', { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false }),
            ...problemResponses(ADMISSION),
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Readiness: a usable provider and a head are known',
          responses: {
            '200': ok('Ready', {
              type: 'object',
              required: ['status'],
              properties: {
                status: { const: 'ready' },
                network: { type: 'string' },
                headBlockNumber: HEX_QUANTITY,
                headAgeMs: { type: 'number', minimum: 0 },
              },
            }),
            ...problemResponses([...ADMISSION, 'NOT_READY']),
          },
        },
      },
      '/providers': {
        get: {
          operationId: 'providers',
          summary: 'Each provider as operators see it: state, score, latency, errors (no secrets)',
          responses: {
            '200': ok('Providers', {
              type: 'object',
              required: ['providers'],
              properties: {
                network: { type: 'string' },
                providers: { type: 'array', items: { $ref: '#/components/schemas/Provider' } },
              },
            }),
            ...problemResponses([...ADMISSION, ...ACCESS]),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics (on ADMIN_PORT when set)',
          responses: {
            '200': ok('Prometheus text exposition', { type: 'string' }, 'text/plain'),
            ...problemResponses(ADMISSION),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': ok('OpenAPI 3.1 document', { type: 'object' }), ...problemResponses(ADMISSION) },
        },
      },
    },
    components: {
      schemas: {
        Balance: {
          type: 'object',
          required: ['address', 'network', 'blockTag', 'blockNumber', 'blockHash', 'headBlockNumber', 'balance', 'balanceWei', 'rpcLatencyMs'],
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
          },
          additionalProperties: false,
        },
        Balances: {
          type: 'object',
          required: ['network', 'blockTag', 'blockNumber', 'blockHash', 'headBlockNumber', 'rpcLatencyMs', 'balances'],
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
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { enum: Object.keys(ERRORS) },
            detail: { type: 'string' },
            instance: { type: 'string' },
            checksummed: { ...CHECKSUMMED, description: 'The correct EIP-55 form of a well-formed address' },
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
            retryAfterSeconds: { type: 'integer', minimum: 0, description: 'RATE_LIMITED: also in the retry-after header' },
          },
        },
      },
      responses: {
        NotFound: {
          description: 'No such route',
          content: { 'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { const: 'NOT_FOUND' } } }] } } },
        },
        MethodNotAllowed: {
          description: 'The path exists, not with this method; the allow header names the methods it takes',
          headers: { allow: { schema: { type: 'string' } } },
          content: {
            'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { const: 'METHOD_NOT_ALLOWED' } } }] } },
          },
        },
      },
    },
  };
}

/** The document as response bytes, serialized once. */
export function openApiBody(options: OpenApiOptions): Buffer {
  return Buffer.from(JSON.stringify(openApiDocument(options)));
}
