/**
 * POST /address/balances request bodies, as pure functions: the content type, the byte bound, the
 * JSON shape and the address checks. The route (batch-route.ts) only moves bytes and answers.
 *
 * Refusals, in the order they are checked:
 * - 415 UNSUPPORTED_MEDIA_TYPE: not `application/json` (parameters such as `charset=utf-8` are
 *   fine; JSON is UTF-8 by RFC 8259, so another charset is refused);
 * - 413 PAYLOAD_TOO_LARGE: more bytes than BATCH_MAX_ADDRESSES addresses can need;
 * - 400 INVALID_BODY: not JSON, not an object, no `addresses` array, an empty one, or an unknown
 *   member (a typo such as `blocktag` must not silently read `latest`); `network` is resolved by
 *   the route (400 UNKNOWN_NETWORK);
 * - 400 TOO_MANY_ADDRESSES: more than BATCH_MAX_ADDRESSES;
 * - 400 INVALID_BLOCK_TAG: the single route's tag rules;
 * - 400 INVALID_ADDRESSES: all or nothing, one entry per bad address, with the EIP-55 form when the
 *   input was a well-formed address.
 */
import { parseBlockTag, type BlockTag } from '../chain/block-tag.js';
import type { AddressCheck } from '../codec/address.js';

export type BatchRefusalCode =
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_BODY'
  | 'TOO_MANY_ADDRESSES'
  | 'INVALID_BLOCK_TAG'
  | 'INVALID_ADDRESSES';

export interface AddressError {
  readonly index: number;
  readonly code: string;
  readonly checksummed?: string;
}

export interface BatchRefusal {
  readonly ok: false;
  readonly code: BatchRefusalCode;
  readonly detail: string;
  readonly extra?: { readonly errors: readonly AddressError[] };
}

/** The body's shape is right; addresses are still the inputs as sent. */
export interface BatchShape {
  readonly ok: true;
  readonly inputs: readonly unknown[];
  readonly tag: BlockTag;
  /** `network` as sent (undefined: absent); the route resolves it against the configured networks. */
  readonly network?: unknown;
}

export interface CheckedBatch {
  readonly ok: true;
  /** EIP-55 forms, in request order, duplicates kept. */
  readonly addresses: readonly string[];
}

const MEDIA_TYPE = /^\s*application\/json\s*(;.*)?$/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** `application/json`, with or without parameters; a charset, if named, must be UTF-8. */
export function isJsonContentType(header: string): boolean {
  const match = MEDIA_TYPE.exec(header);
  if (match === null) return false;
  const charset = match[1] === undefined ? null : CHARSET.exec(match[1]);
  return charset === null || /^utf-?8$/i.test(charset[1]!);
}

/**
 * The most bytes a valid body of `maxAddresses` can reasonably take: each address quoted with a
 * comma and generous indentation (64 bytes against the 44 it needs), plus room for the tag and
 * the braces. Anything larger is refused before it is read.
 */
export function maxBatchBodyBytes(maxAddresses: number): number {
  return 1024 + 64 * maxAddresses;
}

const KNOWN_MEMBERS = new Set(['addresses', 'blockTag', 'network']);

/** The JSON shape, the count and the tag. Addresses are checked by `checkBatchAddresses`. */
export function parseBatchBody(text: string, maxAddresses: number): BatchShape | BatchRefusal {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse('INVALID_BODY', 'the body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return refuse('INVALID_BODY', 'the body must be a JSON object: {"addresses": ["0x...", ...], "blockTag": "latest"}');
  }
  for (const member of Object.keys(body)) {
    if (!KNOWN_MEMBERS.has(member)) {
      return refuse('INVALID_BODY', `unknown member ${JSON.stringify(member.slice(0, 40))}: the body takes "addresses", "blockTag" and "network"`);
    }
  }
  const { addresses, blockTag, network } = body as { addresses?: unknown; blockTag?: unknown; network?: unknown };
  if (!Array.isArray(addresses)) return refuse('INVALID_BODY', '"addresses" must be an array of addresses');
  if (addresses.length === 0) return refuse('INVALID_BODY', '"addresses" must hold at least one address');
  if (addresses.length > maxAddresses) {
    return refuse('TOO_MANY_ADDRESSES', `a batch holds at most ${maxAddresses} addresses, got ${addresses.length}`);
  }
  if (blockTag !== undefined && typeof blockTag !== 'string') return refuse('INVALID_BLOCK_TAG', '"blockTag" must be a string');
  const tag = parseBlockTag(blockTag);
  if (!tag.ok) return refuse('INVALID_BLOCK_TAG', tag.detail);
  return network === undefined ? { ok: true, inputs: addresses, tag: tag.tag } : { ok: true, inputs: addresses, tag: tag.tag, network };
}

/**
 * Checks every input with `check` (the single route's rules, memoized by the caller); all or
 * nothing. Inputs that are not strings are INVALID_ADDRESS.
 */
export function checkBatchAddresses(inputs: readonly unknown[], check: (input: string) => AddressCheck): CheckedBatch | BatchRefusal {
  return collectChecks(inputs.map((input) => (typeof input === 'string' ? check(input) : NOT_A_STRING)));
}

/** The same verdict from checks already made (e.g. on the codec pool), one per input. */
export function collectChecks(checks: readonly AddressCheck[]): CheckedBatch | BatchRefusal {
  const addresses: string[] = new Array<string>(checks.length);
  let errors: AddressError[] | undefined;
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    if (c.ok) addresses[i] = c.address;
    else (errors ??= []).push(c.checksummed === undefined ? { index: i, code: c.code } : { index: i, code: c.code, checksummed: c.checksummed });
  }
  if (errors === undefined) return { ok: true, addresses };
  const n = errors.length;
  return {
    ok: false,
    code: 'INVALID_ADDRESSES',
    detail: `${n} of ${checks.length} addresses ${n === 1 ? 'is' : 'are'} invalid; see errors (index, code and, where known, the EIP-55 form)`,
    extra: { errors },
  };
}

const NOT_A_STRING: AddressCheck = Object.freeze({ ok: false, code: 'INVALID_ADDRESS', detail: 'an address is a string' });

function refuse(code: BatchRefusalCode, detail: string): BatchRefusal {
  return { ok: false, code, detail };
}
