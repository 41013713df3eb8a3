/**
 * The OpenAPI 3.1 document served at GET /openapi.json: every route, parameter, request body,
 * response and error code. Error codes and their statuses come from the one table in errors.ts, so
 * a code cannot appear here with another status than the service sends. Tests validate the
 * responses they receive against this document (testing/openapi-validator.ts), so it cannot drift.
 */
import { ERRORS, problemSlug, problemType, type ErrorCode } from '../errors.js';
import { ADDRESS_CODES, BLOCK_TAG_DESCRIPTION, HEX_QUANTITY, NETWORK_PARAMETER, openApiComponents } from './openapi-components.js';
import { BATCH_ANSWER, BATCH_REQUEST, SEED_ADDRESS, SEED_BALANCE } from './openapi-examples.js';
import { exampleProblem, problemTypeInfo } from './problem-types.js';

export interface OpenApiOptions {
  readonly batchMaxAddresses: number;
  readonly upstreamBatchMax: number;
  /** The service's version (package.json). */
  readonly version?: string;
  /** API_KEYS is set: the key-checked operations require the ApiKey scheme (else it is optional). */
  readonly apiKeys?: boolean;
  /** DOCS=on: GET /docs is served (and documented). */
  readonly docs?: boolean;
  /** PUBLIC_BASE_URL: the `servers` entry and the problem types are absolute under it. */
  readonly publicBaseUrl?: string | undefined;
}

type Json = Record<string, unknown>;

/** Codes every route can answer before its own work (admission: shape, key, rate limit). */
const ADMISSION: readonly ErrorCode[] = ['BAD_REQUEST', 'BODY_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'URI_TOO_LONG', 'HEADERS_TOO_LARGE', 'INTERNAL'];
const ACCESS: readonly ErrorCode[] = ['UNAUTHORIZED', 'RATE_LIMITED'];
const READ_CODES: readonly ErrorCode[] = ['UNKNOWN_NETWORK', 'INVALID_BLOCK_TAG', 'BLOCK_NOT_FOUND', 'UPSTREAM_UNAVAILABLE', 'STATE_UNAVAILABLE', 'NOT_READY'];
/** Verified reads (VERIFY_PROOFS, ?verify=): src/verify/. */
const VERIFY_CODES: readonly ErrorCode[] = ['UNVERIFIABLE', 'VERIFY_UNSUPPORTED'];

const VERIFY_PARAMETER = {
  name: 'verify',
  in: 'query',
  required: false,
  description:
    'true: prove the balance against the block state root (a quorum-agreed block hash, its header, an account proof); default VERIFY_PROOFS. Anything but true/false is BAD_REQUEST',
  schema: { type: 'string', enum: ['true', 'false'] },
} as const;

/** Problem responses for `codes`, grouped by the status errors.ts gives each, each code with its type URI and an example. */
function problemResponses(codes: readonly ErrorCode[], base = ''): Record<string, Json> {
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
            allOf: [
              { $ref: '#/components/schemas/Problem' },
              { properties: { type: { enum: list.map((c) => problemType(c, base)) }, code: { enum: list }, status: { const: status } } },
            ],
          },
          examples: Object.fromEntries(list.map((c) => [c, { summary: ERRORS[c].title, value: exampleProblem(c, base) }])),
        },
      },
    };
  }
  return out;
}

const REQUEST_ID_HEADER = {
  'x-request-id': { description: "The request's id (the caller's x-request-id when usable)", schema: { type: 'string' } },
};

function ok(description: string, schema: Json, contentType = 'application/json', example?: { summary: string; value: unknown }): Json {
  return { description, headers: REQUEST_ID_HEADER, content: { [contentType]: { schema, ...(example === undefined ? {} : { examples: { seed: example } }) } } };
}

const HTML = { type: 'string', description: 'An HTML page' } as const;

/** One operation in the document's terms (tag, security, responses), from what the route does. */
function operation(tag: string, security: readonly Json[], spec: Json): Json {
  return { tags: [tag], security, ...spec };
}

export function openApiDocument(options: OpenApiOptions): Json {
  const { batchMaxAddresses, upstreamBatchMax } = options;
  const base = options.publicBaseUrl ?? '';
  const problems = (codes: readonly ErrorCode[]) => problemResponses(codes, base);
  // Routes behind admission's API key check ('admit', 'identify'); the rest are public.
  const keyed = options.apiKeys === true ? [{ ApiKey: [] }] : [{ ApiKey: [] }, {}];
  const open: readonly Json[] = [];
  const api = (spec: Json) => operation('balances', keyed, spec);
  const ops = (security: readonly Json[], spec: Json) => operation('operations', security, spec);
  const docs = (spec: Json) => operation('documentation', open, spec);
  const slugs = (Object.keys(ERRORS) as ErrorCode[]).map(problemSlug);
  return {
    openapi: '3.1.0',
    info: {
      title: 'balance-api',
      version: options.version ?? '0.1.0',
      description:
        'ETH balances read from health-scored JSON-RPC providers, pinned to one block per answer. ' +
        'Errors are RFC 9457 problem details (application/problem+json) with a stable `code`; each `type` resolves to a page of this service under /problems.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: base === '' ? '/' : base, description: base === '' ? 'This service' : 'PUBLIC_BASE_URL' }],
    tags: [
      { name: 'balances', description: 'ETH balances, each answer pinned to one block' },
      { name: 'operations', description: 'Health, readiness and the providers as operators see them' },
      { name: 'documentation', description: 'This document, its reference page and the problem types' },
    ],
    paths: {
      '/address/balance/{address}': {
        get: api({
          operationId: 'getBalance',
          summary: 'The balance of one address at one block',
          parameters: [
            {
              name: 'address',
              in: 'path',
              required: true,
              description: 'EIP-55 checksummed address (all-lower or all-upper case is refused unless ADDRESS_CHECKSUM=lenient)',
              schema: { type: 'string' },
              example: SEED_ADDRESS,
            },
            { name: 'blockTag', in: 'query', required: false, description: BLOCK_TAG_DESCRIPTION, schema: { type: 'string', default: 'latest' } },
            NETWORK_PARAMETER,
            VERIFY_PARAMETER,
          ],
          responses: {
            '200': ok('The balance', { $ref: '#/components/schemas/Balance' }, 'application/json', { summary: 'The seed example address', value: SEED_BALANCE }),
            ...problems([...ADMISSION, ...ACCESS, ...ADDRESS_CODES, ...READ_CODES, ...VERIFY_CODES]),
          },
        }),
      },
      '/address/balances': {
        post: api({
          operationId: 'getBalances',
          summary: `Balances of 1 to ${batchMaxAddresses} addresses, all at one block`,
          description:
            'Every balance in the answer is read at the one block the tag resolves to, in request order, duplicates answered as asked. ' +
            `Cached addresses come from the cache; the rest go upstream in JSON-RPC batches of at most ${upstreamBatchMax} calls (or one Multicall3 eth_call per ${upstreamBatchMax} addresses where the provider has it), all at that block. ` +
            'All or nothing: any bad address refuses the whole batch (INVALID_ADDRESSES lists each). A batch of n addresses counts n against rate limits. ' +
            'Any other method on this path is 405; a content type other than application/json is 415.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/BalancesRequest' },
                examples: { seed: { summary: 'Two addresses at the latest block', value: BATCH_REQUEST } },
              },
            },
          },
          parameters: [VERIFY_PARAMETER],
          responses: {
            '200': ok('The balances', { $ref: '#/components/schemas/Balances' }, 'application/json', { summary: 'Two addresses at one block', value: BATCH_ANSWER }),
            ...problems([
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
        }),
      },
      '/healthz': {
        get: ops(open, {
          operationId: 'health',
          summary: 'Liveness: the process answers',
          responses: {
            '200': ok('Alive', { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: false }),
            ...problems(ADMISSION),
          },
        }),
      },
      '/readyz': {
        get: ops(open, {
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
                networks: { type: 'array', description: 'Each network: network, chainId, ready, headBlockNumber, headAgeMs', items: { type: 'object' } },
              },
            }),
            ...problems([...ADMISSION, 'NOT_READY']),
          },
        }),
      },
      '/providers': {
        get: ops(keyed, {
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
            ...problems([...ADMISSION, ...ACCESS]),
          },
        }),
      },
      '/metrics': {
        get: ops(open, {
          operationId: 'metrics',
          summary: 'Prometheus metrics (on ADMIN_PORT when set)',
          responses: {
            '200': ok('Prometheus text exposition', { type: 'string' }, 'text/plain'),
            ...problems(ADMISSION),
          },
        }),
      },
      '/openapi.json': {
        get: docs({
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': ok('OpenAPI 3.1 document', { type: 'object' }), ...problems(ADMISSION) },
        }),
      },
      '/asyncapi.json': { get: docs({ operationId: 'asyncapi', summary: 'The AsyncAPI 3.0 document of the GET /watch WebSocket protocol', responses: { '200': ok('AsyncAPI 3.0 document', { type: 'object' }), ...problems(ADMISSION) } }) },
      ...(options.docs === true
        ? {
            '/docs': {
              get: docs({
                operationId: 'docs',
                summary: 'This reference as an interactive page (DOCS=on)',
                responses: { '200': ok('The page', HTML, 'text/html'), ...problems(ADMISSION) },
              }),
            },
          }
        : {}),
      '/problems': {
        get: docs({
          operationId: 'listProblemTypes',
          summary: 'Every problem type: a page, or JSON with Accept: application/json',
          responses: {
            '200': {
              description: 'The problem types',
              headers: REQUEST_ID_HEADER,
              content: {
                'application/json': {
                  schema: { type: 'object', required: ['problems'], properties: { problems: { type: 'array', items: { $ref: '#/components/schemas/ProblemType' } } } },
                },
                'text/html': { schema: HTML },
              },
            },
            ...problems(ADMISSION),
          },
        }),
      },
      '/problems/{name}': {
        get: docs({
          operationId: 'getProblemType',
          summary: 'What a problem type means and what to do: a page, or JSON with Accept: application/json',
          parameters: [
            { name: 'name', in: 'path', required: true, description: 'The code in kebab case', schema: { type: 'string', enum: slugs }, example: 'bad-checksum' },
          ],
          responses: {
            '200': {
              description: 'The problem type',
              headers: REQUEST_ID_HEADER,
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/ProblemType' },
                  examples: { seed: { summary: 'BAD_CHECKSUM', value: problemTypeExample(base) } },
                },
                'text/html': { schema: HTML },
              },
            },
            ...problems([...ADMISSION, 'NOT_FOUND']),
          },
        }),
      },
    },
    components: openApiComponents(batchMaxAddresses),
  };
}

function problemTypeExample(base: string): Json {
  return { ...problemTypeInfo('BAD_CHECKSUM'), type: problemType('BAD_CHECKSUM', base) };
}

/** The document as response bytes, serialized once. */
export function openApiBody(options: OpenApiOptions): Buffer {
  return Buffer.from(JSON.stringify(openApiDocument(options)));
}
