/**
 * Block tags: which block a balance is read at. Pure parsing and the echo form; resolving a tag to
 * one pinned block (number + hash) is the router's job (Upstream.resolveBlock).
 *
 * Accepted: `latest`, `safe`, `finalized`, a block number as decimal (`19000000`) or hex
 * (`0x121eac0`), or a block hash (`0x` + 64 hex digits). A number is a uint64 (the JSON-RPC
 * QUANTITY range geth and reth accept for block numbers). Anything else is malformed: a sign, a
 * fraction, an exponent, whitespace, an empty value, an upper-case `0X`, a hash of the wrong length,
 * and words the service does not serve (`pending` reads a block no two providers agree on;
 * `earliest` is block `0`).
 */

export type BlockTag =
  | { readonly kind: 'latest' }
  | { readonly kind: 'safe' }
  | { readonly kind: 'finalized' }
  | { readonly kind: 'number'; readonly number: bigint }
  | { readonly kind: 'hash'; readonly hash: string };

export const LATEST: BlockTag = Object.freeze({ kind: 'latest' });
export const SAFE: BlockTag = Object.freeze({ kind: 'safe' });
export const FINALIZED: BlockTag = Object.freeze({ kind: 'finalized' });

export type BlockTagParse = { readonly ok: true; readonly tag: BlockTag } | { readonly ok: false; readonly detail: string };

export const UINT64_MAX = (1n << 64n) - 1n;
/** Longest input worth looking at: a hash. Longer input is refused before any regex runs. */
const MAX_TAG_LENGTH = 66;

const DECIMAL = /^[0-9]+$/;
/** Up to 63 digits: 64 make a hash. Leading zeros are tolerated; the value must fit a uint64. */
const HEX_NUMBER = /^0x[0-9a-fA-F]{1,63}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;

const TAG_HELP = 'a block tag is latest, safe, finalized, a block number (decimal or 0x hex, at most 2^64-1) or a block hash (0x and 64 hex digits)';
const OK_LATEST: BlockTagParse = Object.freeze({ ok: true, tag: LATEST });
const OK_SAFE: BlockTagParse = Object.freeze({ ok: true, tag: SAFE });
const OK_FINALIZED: BlockTagParse = Object.freeze({ ok: true, tag: FINALIZED });

/** Parses a tag as sent (query parameter or batch body). `undefined` (absent) means latest. */
export function parseBlockTag(input: string | undefined): BlockTagParse {
  if (input === undefined || input === 'latest') return OK_LATEST;
  if (input === 'safe') return OK_SAFE;
  if (input === 'finalized') return OK_FINALIZED;
  if (input.length > MAX_TAG_LENGTH) return malformed(`${describe(input)} is too long: ${TAG_HELP}`);
  if (HASH.test(input)) return { ok: true, tag: { kind: 'hash', hash: input.toLowerCase() } };
  if (HEX_NUMBER.test(input) || DECIMAL.test(input)) {
    const number = BigInt(input);
    if (number > UINT64_MAX) {
      const hint = input.startsWith('0x') ? ' (a block hash has exactly 64 hex digits)' : '';
      return malformed(`block number ${describe(input)} is larger than 2^64-1${hint}`);
    }
    return { ok: true, tag: { kind: 'number', number } };
  }
  if (input === '0x') return malformed(`"0x" has no digits: ${TAG_HELP}`);
  return malformed(`${describe(input)} is not a block tag: ${TAG_HELP}`);
}

/** The tag as responses echo it: the word, the number as lower-case hex, or the hash in lower case. */
export function blockTagEcho(tag: BlockTag): string {
  switch (tag.kind) {
    case 'latest':
    case 'safe':
    case 'finalized':
      return tag.kind;
    case 'number':
      return `0x${tag.number.toString(16)}`;
    case 'hash':
      return tag.hash;
  }
}

/**
 * Whether an answer at this tag can never change once read at the block it resolved to: finalized
 * blocks, explicit numbers and hashes. `latest` and `safe` move (and `safe` can even reorg).
 */
export function isImmutableTag(tag: BlockTag): boolean {
  return tag.kind === 'finalized' || tag.kind === 'number' || tag.kind === 'hash';
}

function malformed(detail: string): BlockTagParse {
  return { ok: false, detail };
}

/** The input quoted for a detail message, cut short and without control characters. */
function describe(input: string): string {
  const shown = input.length > 70 ? `${input.slice(0, 70)}...` : input;
  return JSON.stringify(shown.replace(/[\u0000-\u001f\u007f]/g, '?'));
}
