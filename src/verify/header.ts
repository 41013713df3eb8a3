/**
 * Block headers as JSON-RPC returns them, checked by recomputing the block hash: keccak256 of the
 * RLP list of every header field, in the order of the yellow paper plus each fork's additions
 * (London base fee, Shanghai withdrawals root, Cancun blob gas and parent beacon root, Prague
 * requests hash). A header whose recomputed hash is not the hash it claims is a lie, whatever call
 * it came in; one whose hash matches commits to its `stateRoot`, which proofs are checked against.
 *
 * @ethereumjs/rlp + hash-wasm's keccak (./keccak.ts), chosen by bench/verify.bench.ts (README,
 * "Verified balances") over @ethereumjs/block's createBlockHeaderFromRPC().hash() and ethers'
 * encodeRlp (which alone costs ~65 us a header). A future fork that appends a field
 * needs one row in FIELDS; until then its headers fail the hash check (refused, never trusted).
 */
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { keccak256 } from '../codec/keccak.js';

type FieldKind = 'hash' | 'address' | 'bloom' | 'quantity' | 'bytes' | 'nonce';

/** Header fields in RLP order; `fork` ones are present from that fork on, each requiring the ones before it. */
const FIELDS: readonly { readonly name: string; readonly kind: FieldKind; readonly fork?: string }[] = [
  { name: 'parentHash', kind: 'hash' },
  { name: 'sha3Uncles', kind: 'hash' },
  { name: 'miner', kind: 'address' },
  { name: 'stateRoot', kind: 'hash' },
  { name: 'transactionsRoot', kind: 'hash' },
  { name: 'receiptsRoot', kind: 'hash' },
  { name: 'logsBloom', kind: 'bloom' },
  { name: 'difficulty', kind: 'quantity' },
  { name: 'number', kind: 'quantity' },
  { name: 'gasLimit', kind: 'quantity' },
  { name: 'gasUsed', kind: 'quantity' },
  { name: 'timestamp', kind: 'quantity' },
  { name: 'extraData', kind: 'bytes' },
  { name: 'mixHash', kind: 'hash' },
  { name: 'nonce', kind: 'nonce' },
  { name: 'baseFeePerGas', kind: 'quantity', fork: 'london' },
  { name: 'withdrawalsRoot', kind: 'hash', fork: 'shanghai' },
  { name: 'blobGasUsed', kind: 'quantity', fork: 'cancun' },
  { name: 'excessBlobGas', kind: 'quantity', fork: 'cancun' },
  { name: 'parentBeaconBlockRoot', kind: 'hash', fork: 'cancun' },
  { name: 'requestsHash', kind: 'hash', fork: 'prague' },
  // Amsterdam (EIP-7928, EIP-7843), not live yet: encoded as @ethereumjs/block 10.1.3 does when a node serves them.
  { name: 'blockAccessListHash', kind: 'hash', fork: 'amsterdam' },
  { name: 'slotNumber', kind: 'quantity', fork: 'amsterdam' },
];

const HEX_BYTES: Readonly<Record<FieldKind, number | undefined>> = {
  hash: 32,
  address: 20,
  bloom: 256,
  nonce: 8,
  quantity: undefined,
  bytes: undefined,
};

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;

/** A header whose hash was recomputed and matched: what a verified read needs from it. */
export interface CheckedHeader {
  readonly hash: string;
  readonly number: bigint;
  readonly stateRoot: string;
}

export class HeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderError';
  }
}

/** The RLP field list of a JSON-RPC header; throws HeaderError when a field is missing or malformed. */
export function headerFields(block: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  let ended: string | undefined;
  for (const { name, kind, fork } of FIELDS) {
    const value = block[name];
    if (value === undefined || value === null) {
      if (fork === undefined) throw new HeaderError(`header field ${name} missing`);
      ended ??= name;
      continue;
    }
    if (ended !== undefined) throw new HeaderError(`header has ${name} but not ${ended}, which comes before it`);
    if (typeof value !== 'string') throw new HeaderError(`header field ${name} is not a hex string`);
    out.push(encodeField(name, kind, value));
  }
  return out;
}

function encodeField(name: string, kind: FieldKind, value: string): string {
  if (kind === 'quantity') {
    if (!QUANTITY.test(value)) throw new HeaderError(`header field ${name} is not a quantity: ${value.slice(0, 80)}`);
    // RLP integers are minimal big-endian bytes: 0 is the empty string.
    if (value === '0x0') return '0x';
    const digits = value.slice(2);
    return `0x${digits.length % 2 === 0 ? digits : `0${digits}`}`.toLowerCase();
  }
  const size = HEX_BYTES[kind];
  if (!DATA.test(value) || (size !== undefined && value.length !== 2 + 2 * size)) {
    throw new HeaderError(`header field ${name} is not ${size === undefined ? 'hex data' : `${size} bytes`}: ${value.slice(0, 80)}`);
  }
  return value.toLowerCase();
}

/** keccak256(RLP(header fields)), 0x-hex lowercase. */
export function headerHash(block: Readonly<Record<string, unknown>>): string {
  const rlp = RLP.encode(headerFields(block).map((hex) => hexToBytes(hex.slice(2))));
  return `0x${bytesToHex(keccak256(rlp))}`;
}

/**
 * Accepts a JSON-RPC block only if its recomputed hash equals both the hash it claims and
 * `expected` (when given): the caller asked for that block. Throws HeaderError otherwise.
 */
export function checkHeader(result: unknown, expected?: string): CheckedHeader {
  if (result === null || typeof result !== 'object') throw new HeaderError('no block in the answer');
  const block = result as Record<string, unknown>;
  const computed = headerHash(block);
  const claimed = typeof block.hash === 'string' ? block.hash.toLowerCase() : undefined;
  if (claimed !== computed) throw new HeaderError(`header hashes to ${computed}, not to the ${claimed ?? 'missing'} hash it claims`);
  if (expected !== undefined && computed !== expected.toLowerCase()) {
    throw new HeaderError(`header hashes to ${computed}, not to the requested ${expected.toLowerCase()}`);
  }
  return { hash: computed, number: BigInt(block.number as string), stateRoot: (block.stateRoot as string).toLowerCase() };
}
