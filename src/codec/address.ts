/**
 * EIP-55 address validation. Pure; the keccak is hash-wasm's WebAssembly Keccak (./keccak.ts, shared
 * with proof verification), called on the ASCII bytes: for these 40 bytes it measured ~1-2 us
 * where @noble/hashes' JavaScript keccak_256 took ~10-20 us on the 2-core VM, and a cold batch of
 * 1,000 addresses checks 1,000 checksums (keccak was ~13% of the service's CPU under
 * `npm run bench:batch`). address.test.ts checks it against ethers.getAddress.
 */
import type { ChecksumMode } from '../config/config.js';
import type { ErrorCode } from '../errors.js';
import { keccak256 } from './keccak.js';

export type AddressCheck =
  | { readonly ok: true; readonly address: string }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly detail: string;
      /** The correct EIP-55 form, when the input was a well-formed address. */
      readonly checksummed?: string;
    };

/** A refused address: the problem code, detail and (when well-formed) the EIP-55 form. */
export type AddressRejection = Exclude<AddressCheck, { readonly ok: true }>;

const HEX40 = /^0x[0-9a-fA-F]{40}$/;
const encoder = new TextEncoder();
// One input buffer, reused: the module runs on one thread (the main loop or a pool worker).
const ascii = new Uint8Array(40);

/** keccak256 of 40 lowercase hex digits as ASCII: the hash EIP-55 takes its case from. */
function checksumHash(lowerHex: string): Uint8Array {
  encoder.encodeInto(lowerHex, ascii);
  return keccak256(ascii);
}

/** Whether hex digit `i` (0-39) of the address takes upper case: its hash nibble is >= 8. */
function upperAt(hash: Uint8Array, i: number): boolean {
  return (i % 2 === 0 ? hash[i >> 1]! >> 4 : hash[i >> 1]! & 0x0f) >= 8;
}

/** EIP-55 checksum of 40 lowercase hex digits (no 0x). */
export function toChecksum(lowerHex: string): string {
  return checksummedFrom(lowerHex, checksumHash(lowerHex));
}

function checksummedFrom(lowerHex: string, hash: Uint8Array): string {
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lowerHex.charCodeAt(i);
    // Letters a-f are upper-cased where the matching hash nibble is >= 8.
    out += c >= 97 && upperAt(hash, i) ? String.fromCharCode(c - 32) : lowerHex[i];
  }
  return out;
}

/**
 * Whether `input` (0x + 40 hex digits) is already in its EIP-55 form, compared in place: a valid
 * input then is its own answer, without building the checksummed string.
 */
function isChecksummed(input: string, hash: Uint8Array): boolean {
  for (let i = 0; i < 40; i++) {
    const c = input.charCodeAt(i + 2);
    if (c < 65) continue; // a digit: no case
    const upper = c < 97;
    if (upper !== upperAt(hash, i)) return false;
  }
  return true;
}

export function checkAddress(input: string, mode: ChecksumMode): AddressCheck {
  if (!HEX40.test(input)) {
    return {
      ok: false,
      code: 'INVALID_ADDRESS',
      detail: 'an address is 0x followed by 40 hexadecimal digits',
    };
  }
  const body = input.slice(2);
  const lowerHex = body.toLowerCase();
  const hash = checksumHash(lowerHex);
  if (isChecksummed(input, hash)) return { ok: true, address: input };
  const checksummed = checksummedFrom(lowerHex, hash);
  const lower = body === lowerHex;
  const upper = body === body.toUpperCase();
  if (lower || upper) {
    if (mode === 'lenient') return { ok: true, address: checksummed };
    return {
      ok: false,
      code: 'ADDRESS_NOT_CHECKSUMMED',
      detail: `addresses must be EIP-55 checksummed: use ${checksummed}`,
      checksummed,
    };
  }
  return {
    ok: false,
    code: 'BAD_CHECKSUM',
    detail: `the EIP-55 checksum does not match: did you mean ${checksummed}?`,
    checksummed,
  };
}

/**
 * Memoized checks: a hot address is validated once, so a cache hit touches no keccak. Bounded;
 * the oldest entries go first. Only well-formed inputs are remembered, so garbage cannot churn it.
 *
 * Two generations of at most half the bound each: new checks go into the young one, and when it is
 * full the old generation is dropped whole and the young one takes its place (first in, first out,
 * half the bound at a time; a forgotten address costs one keccak). A cold batch of 1,000 addresses
 * thus costs two lookups and one insert per address, and no deletes: the FIFO ring this replaces
 * deleted the oldest entry on every insert, and that delete plus the compaction of the deleted
 * slots in V8's ordered table was ~3% of a cold batch's CPU (`npm run bench:batch`).
 */
export class AddressMemo {
  private young = new Map<string, AddressCheck>();
  private old = new Map<string, AddressCheck>();
  private readonly generation: number;

  constructor(
    readonly mode: ChecksumMode,
    maxEntries = 100_000,
  ) {
    this.generation = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(input: string): AddressCheck | undefined {
    return this.young.get(input) ?? this.old.get(input);
  }

  check(input: string): AddressCheck {
    const hit = this.get(input);
    if (hit !== undefined) return hit;
    const result = checkAddress(input, this.mode);
    // Known absent from both generations: straight in.
    if (rememberable(input, result)) this.insert(input, result);
    return result;
  }

  remember(input: string, result: AddressCheck): void {
    if (!rememberable(input, result)) return;
    if (this.young.has(input)) this.young.set(input, result);
    else if (this.old.has(input)) this.old.set(input, result);
    else this.insert(input, result);
  }

  private insert(input: string, result: AddressCheck): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(input, result);
  }
}

function rememberable(input: string, result: AddressCheck): boolean {
  return input.length === 42 && (result.ok || result.code !== 'INVALID_ADDRESS');
}
