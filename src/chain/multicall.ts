/**
 * Many balances in one eth_call: Multicall3's `aggregate((address,bytes)[])` with one
 * `getEthBalance(address)` per address, called on Multicall3 itself. Pure encoding and decoding.
 *
 * Multicall3 sits at one address on mainnet and 250+ other chains (and on none of anvil's dev
 * chains); the router reads through it only where a provider reported its code
 * (UPSTREAM_MULTICALL=auto), pinned by block hash like every other read. Against a JSON-RPC batch
 * of eth_getBalance calls it measured ~30% less node CPU per balance on anvil and costs one call of
 * a provider's request quota per chunk instead of one per address. The price is bytes: ~390 sent
 * and ~195 received per address instead of ~190 and ~40 (bench/README.md, `npm run bench:batch`).
 *
 * `aggregate` also returns the number of the block it ran in: an answer from another block than
 * the one pinned is refused, like any malformed answer.
 */

/** Multicall3 (github.com/mds1/multicall): the same address on every chain it is deployed to. */
export const MULTICALL3 = '0xcA11bde05977b3631167028862bE2a173976CA11';

/** aggregate((address,bytes)[]) returns (uint256 blockNumber, bytes[] returnData). */
const AGGREGATE = '252dba42';
/** getEthBalance(address) returns (uint256 balance). */
const GET_ETH_BALANCE = '4d2301cc';

const WORD = 64;
const word = (n: number): string => n.toString(16).padStart(WORD, '0');
/** A word holding a number below 2^32 (offsets, lengths): zeros, then 8 hex digits. */
const ZEROS_56 = '0'.repeat(56);
const smallWord = (n: number): string => ZEROS_56 + n.toString(16).padStart(8, '0');
/**
 * Each call's tuple up to its address: the target (Multicall3 itself), the offset of its bytes
 * (0x40), their length (36), the selector and the 12 zero bytes that pad an address to a word.
 */
const CALL_HEAD = `${MULTICALL3.slice(2).toLowerCase().padStart(WORD, '0')}${word(0x40)}${word(36)}${GET_ETH_BALANCE}${'0'.repeat(24)}`;
/** After the address: the 28 zero bytes that pad the 36 bytes of call data to 64. */
const CALL_PAD = ZEROS_56;

/** The eth_call `data` reading the balance of each of `addresses` (0x + 40 hex digits each). */
export function encodeBalances(addresses: readonly string[]): string {
  const n = addresses.length;
  // The selector, then the array: its offset (0x20), its length, an offset per element (from the
  // start of the offsets), then the elements, each a (target, bytes) tuple of 5 words. Joined once
  // into a flat string for JSON.stringify.
  const parts = new Array<string>(2 + 4 * n);
  parts[0] = `0x${AGGREGATE}${word(0x20)}${word(n)}`;
  let k = 1;
  for (let i = 0; i < n; i++) parts[k++] = smallWord(n * 32 + i * 160);
  for (let i = 0; i < n; i++) {
    parts[k++] = CALL_HEAD;
    parts[k++] = addresses[i]!.slice(2).toLowerCase();
    parts[k++] = CALL_PAD;
  }
  return parts.join('');
}

/** No contract at that block (eth_call of an address without code answers "0x"). */
export const NO_CONTRACT = Symbol('no Multicall3 at this block');

/**
 * The balances an `encodeBalances(addresses)` call returned, in order; NO_CONTRACT for "0x";
 * undefined when the answer is malformed, holds another number of results, or ran at another
 * block than `blockNumber`. `blockNumber` undefined: not checked (Arbitrum's EVM answers its L1
 * block there; the call is pinned by block hash anyway).
 */
export function decodeBalances(result: unknown, count: number, blockNumber: bigint | undefined): bigint[] | typeof NO_CONTRACT | undefined {
  if (typeof result !== 'string' || !result.startsWith('0x')) return undefined;
  if (result === '0x') return NO_CONTRACT;
  // blockNumber, the array's offset (0x40), its length, one offset per element, and each element
  // as its length (32) plus one word: 3 + 3n words, laid out in order. Read as bytes: Buffer's hex
  // decoder stops at the first non-hex digit, which the length check then refuses; and ~5x faster
  // than slicing and comparing the hex text word by word.
  const bytes = Buffer.from(result.slice(2), 'hex');
  if (bytes.length !== (3 + 3 * count) * 32 || result.length !== 2 + bytes.length * 2) return undefined;
  if ((blockNumber !== undefined && uint256(bytes, 0) !== blockNumber) || small(bytes, 1) !== 0x40 || small(bytes, 2) !== count) return undefined;
  const balances = new Array<bigint>(count);
  for (let i = 0; i < count; i++) {
    const element = 3 + count + 2 * i;
    if (small(bytes, 3 + i) !== count * 32 + i * 64 || small(bytes, element) !== 32) return undefined;
    balances[i] = uint256(bytes, element + 1);
  }
  return balances;
}

/** Word `i` as a number when below 2^32, else -1. */
function small(bytes: Buffer, i: number): number {
  const start = i * 32;
  for (let j = start; j < start + 28; j++) if (bytes[j] !== 0) return -1;
  return bytes.readUInt32BE(start + 28);
}

/** Word `i` as a uint256. */
function uint256(bytes: Buffer, i: number): bigint {
  const start = i * 32;
  let zero = true;
  for (let j = start; j < start + 32 && zero; j++) zero = bytes[j] === 0;
  return zero ? 0n : BigInt(`0x${bytes.toString('hex', start, start + 32)}`);
}
