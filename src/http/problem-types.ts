/**
 * What each problem type means to a client: when it happens, what to do, and an example body. The
 * /problems/<slug> pages and the OpenAPI document's problem examples are written from this table,
 * so they cannot drift apart; `Record<ErrorCode, ...>` makes a code without a guide a type error.
 */
import { ERRORS, problemDetails, problemSlug, problemType, type ErrorCode } from '../errors.js';

export interface ProblemGuide {
  /** When the service answers it. */
  readonly when: string;
  /** What the client should do about it. */
  readonly action: string;
  /** A representative occurrence: its detail, instance and extra members. */
  readonly example: { readonly detail: string; readonly instance?: string; readonly extra?: Readonly<Record<string, unknown>> };
}

const SEED = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const SEED_BAD_CASE = '0xc94770007dDa54cF92009BFF0dE90c06F603a09f';
const RETRY_ELSEWHERE = 'Retry later with backoff; the answer names each provider and why it could not help.';
const PROVIDERS = [
  { name: 'primary', kind: 'timeout', error: 'no answer within 2000 ms' },
  { name: 'secondary', kind: 'rate-limited', error: 'rate limited, cooling for 800 ms' },
];

export const PROBLEM_GUIDES: Readonly<Record<ErrorCode, ProblemGuide>> = {
  INVALID_ADDRESS: {
    when: 'The address is not 0x followed by 40 hexadecimal digits (in a batch: an entry that is not a string).',
    action: 'Send the 20-byte address as 0x plus 40 hex digits, in its EIP-55 checksummed form.',
    example: { detail: 'an address is 0x followed by 40 hexadecimal digits', instance: '/address/balance/0x1234' },
  },
  ADDRESS_NOT_CHECKSUMMED: {
    when: 'The address is all lower or all upper case, and the service requires EIP-55 checksums (ADDRESS_CHECKSUM=strict, the default).',
    action: 'Use the checksummed form given in `checksummed`.',
    example: {
      detail: `addresses must be EIP-55 checksummed: use ${SEED}`,
      instance: `/address/balance/${SEED.toLowerCase()}`,
      extra: { checksummed: SEED },
    },
  },
  BAD_CHECKSUM: {
    when: 'The address is mixed case but its capitalisation is not its EIP-55 checksum: often a typo, or a copy that changed one letter.',
    action: 'Check that the address is the one you meant; if it is, use the form given in `checksummed`.',
    example: {
      detail: `the EIP-55 checksum does not match: did you mean ${SEED}?`,
      instance: `/address/balance/${SEED_BAD_CASE}`,
      extra: { checksummed: SEED },
    },
  },
  BAD_REQUEST: {
    when: 'The request is malformed in a way no more specific code covers: a content-length that is not a number, `?verify=` other than true or false.',
    action: 'Fix the request as `detail` says; sending it again unchanged gets the same answer.',
    example: { detail: 'the verify parameter must be true or false', instance: `/address/balance/${SEED}?verify=yes` },
  },
  INVALID_BLOCK_TAG: {
    when: 'The block tag is none of latest, safe, finalized, a block number (decimal or hex, at most 2^64-1) or a block hash (0x + 64 hex digits).',
    action: 'Send one of those forms; `pending` is not served, and `earliest` is block 0.',
    example: { detail: '"pending" is not a block tag: a block tag is latest, safe, finalized, a block number (decimal or 0x hex, at most 2^64-1) or a block hash (0x and 64 hex digits)', instance: `/address/balance/${SEED}?blockTag=pending` },
  },
  UNKNOWN_NETWORK: {
    when: 'The `network` query parameter or batch member names a network this deployment does not serve (NETWORKS), or is not a network name or decimal chain id at all.',
    action: 'Use one of the names in `networks` (or its decimal chain id); leave it out for the default network.',
    example: {
      detail: 'network "base" is not served here: use one of mainnet or its decimal chain id',
      instance: `/address/balance/${SEED}?network=base`,
      extra: { networks: ['mainnet'] },
    },
  },
  VERIFY_UNSUPPORTED: {
    when: 'A verified read (`?verify=true`, or VERIFY_PROOFS=on) on a network whose state is not a Merkle-Patricia trie (zkSync Era): no account proof can be checked against its blocks.',
    action: 'Ask that network with `?verify=false`, or verify on a network that has state proofs.',
    example: { detail: 'network zksync has no Merkle-Patricia state proofs: ask with verify=false', instance: `/address/balance/${SEED}?network=zksync&verify=true` },
  },
  INVALID_BODY: {
    when: 'The batch body is not JSON, not an object, lacks `addresses`, or has members other than `addresses`, `blockTag` and `network`.',
    action: 'Send {"addresses": ["0x...", ...], "blockTag": "latest"} as application/json.',
    example: { detail: 'the body is not valid JSON', instance: '/address/balances' },
  },
  TOO_MANY_ADDRESSES: {
    when: 'The batch holds more addresses than BATCH_MAX_ADDRESSES (1000 by default), or none.',
    action: 'Split the addresses into several batches of at most the limit named in `detail`.',
    example: { detail: 'a batch holds at most 1000 addresses, got 1200', instance: '/address/balances' },
  },
  INVALID_ADDRESSES: {
    when: 'At least one address of a batch is invalid; the whole batch is refused (all or nothing).',
    action: 'Fix each entry of `errors` (its index, its code and, where known, the checksummed form) and send the batch again.',
    example: {
      detail: '1 of 2 addresses is invalid; see errors (index, code and, where known, the EIP-55 form)',
      instance: '/address/balances',
      extra: { errors: [{ index: 1, code: 'BAD_CHECKSUM', checksummed: SEED }] },
    },
  },
  BODY_NOT_ALLOWED: {
    when: 'A GET, HEAD or other body-less request came with a body (content-length or transfer-encoding).',
    action: 'Send the request without a body; only POST /address/balances takes one.',
    example: { detail: 'GET requests take no body' },
  },
  UNAUTHORIZED: {
    when: 'The deployment requires API keys (API_KEYS) and the request has no x-api-key header, or an unknown key.',
    action: 'Send your key in the x-api-key header (in /docs: the Authorize button).',
    example: { detail: 'send a valid API key in the x-api-key header' },
  },
  NOT_FOUND: {
    when: 'No route has this path (or no problem type has this name).',
    action: 'Check the path against the API reference at /docs or /openapi.json.',
    example: { detail: 'no such route; see GET /address/balance/:address' },
  },
  BLOCK_NOT_FOUND: {
    when: 'The block number is above the current head, the block hash is unknown to every provider, or no provider has a safe or finalized block yet.',
    action: 'Ask for a block that exists (a number at or below the head, a hash on the canonical chain), or retry once the chain has reached it.',
    example: { detail: 'block 0x1312d00 is above the current head 0x1312cff', instance: `/address/balance/${SEED}?blockTag=20000000` },
  },
  METHOD_NOT_ALLOWED: {
    when: 'The path exists but not with this method.',
    action: 'Use the method named in `detail` and in the allow header.',
    example: { detail: 'DELETE is not allowed here; use GET' },
  },
  PAYLOAD_TOO_LARGE: {
    when: 'The request body is larger than the route takes, or has no content-length.',
    action: 'Send a smaller body with a content-length; split a large batch into several.',
    example: { detail: 'a batch body is at most 65024 bytes', instance: '/address/balances' },
  },
  URI_TOO_LONG: {
    when: 'The URL is longer than the service reads.',
    action: 'Shorten the URL: an address and a block tag fit easily; many addresses belong in POST /address/balances.',
    example: { detail: 'the URL is longer than 2048 characters' },
  },
  UNSUPPORTED_MEDIA_TYPE: {
    when: 'A batch body came with a content type other than application/json.',
    action: 'Send the body with content-type: application/json.',
    example: { detail: 'send the body as application/json, not "text/plain"', instance: '/address/balances' },
  },
  HEADERS_TOO_LARGE: {
    when: "The request's header fields are larger than the service accepts.",
    action: 'Send fewer or smaller headers (large cookies are the usual cause).',
    example: { detail: 'request header fields are too large' },
  },
  RATE_LIMITED: {
    when: 'The client (its API key, or its address when no key is configured) has used up its rate limit; a batch of n addresses counts n.',
    action: 'Wait `retryAfterSeconds` (also in the retry-after header) before sending again, and spread requests out.',
    example: { detail: 'rate limit of 10 requests per second exceeded; retry after 1 s', extra: { retryAfterSeconds: 1 } },
  },
  ORIGIN_NOT_ALLOWED: {
    when: 'CORS_ORIGINS is set and a GET /watch upgrade came from a browser page on another origin.',
    action: 'Connect from one of the configured origins, or ask the operator to add yours to CORS_ORIGINS.',
    example: { detail: 'origin "https://evil.example" may not open a watch connection', instance: '/watch' },
  },
  TOO_MANY_CONNECTIONS: {
    when: 'This task already holds WATCH_MAX_CONNECTIONS WebSocket connections.',
    action: 'Reconnect after a short backoff (the load balancer may pick another task), or share one connection between subscriptions.',
    example: { detail: 'this task holds its limit of 10000 watch connections', instance: '/watch' },
  },
  NOT_READY: {
    when: 'The service has no usable provider or knows no head block yet (just started, or every provider is down).',
    action: 'Send traffic elsewhere until /readyz answers 200; a load balancer does this by itself.',
    example: { detail: 'no usable provider or no head known yet', instance: '/readyz' },
  },
  UPSTREAM_UNAVAILABLE: {
    when: 'No upstream provider gave an answer within the request deadline: timeouts, rate limits, errors, or none usable.',
    action: RETRY_ELSEWHERE,
    example: { detail: 'no provider answered eth_getBalance', instance: `/address/balance/${SEED}`, extra: { providers: PROVIDERS } },
  },
  UNVERIFIABLE: {
    when: 'A verified read (?verify=true or VERIFY_PROOFS=on) found no quorum on the block hash, or no account proof that checks against its state root.',
    action: `${RETRY_ELSEWHERE} Or read without verification if you can accept an unproven balance.`,
    example: {
      detail: 'no provider gave a verifiable answer',
      instance: `/address/balance/${SEED}?verify=true`,
      extra: { providers: [{ name: 'primary', kind: 'unverifiable', error: 'the account proof does not match the state root' }] },
    },
  },
  STATE_UNAVAILABLE: {
    when: 'The block exists but no provider still has its state (pruned history).',
    action: 'Ask for a more recent block, or point the service at an archive provider.',
    example: {
      detail: 'no provider has the state at block 0x10',
      instance: `/address/balance/${SEED}?blockTag=16`,
      extra: { providers: [{ name: 'primary', kind: 'state', error: 'missing trie node' }] },
    },
  },
  INTERNAL: {
    when: 'A bug in the service. Never a provider failure: those are 502.',
    action: 'Retry once; if it persists, report it with the x-request-id response header.',
    example: { detail: 'Unexpected error' },
  },
};

/** A problem type as /problems/<slug> answers it in JSON. */
export interface ProblemTypeInfo {
  readonly type: string;
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly when: string;
  readonly action: string;
}

const BY_SLUG: ReadonlyMap<string, ErrorCode> = new Map((Object.keys(ERRORS) as ErrorCode[]).map((code) => [problemSlug(code), code]));

/** The code named by a /problems/<slug> path segment, if any. */
export function codeOfSlug(slug: string): ErrorCode | undefined {
  return BY_SLUG.get(slug);
}

export function problemTypeInfo(code: ErrorCode): ProblemTypeInfo {
  const { status, title } = ERRORS[code];
  const { when, action } = PROBLEM_GUIDES[code];
  return { type: problemType(code), code, status, title, when, action };
}

/** The guide's example as a whole problem body (OpenAPI examples), its type under `base`. */
export function exampleProblem(code: ErrorCode, base: string): Record<string, unknown> {
  const { detail, instance, extra } = PROBLEM_GUIDES[code].example;
  return { ...problemDetails(code, detail, instance, extra), type: problemType(code, base) };
}
