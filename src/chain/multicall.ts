/**
 * Many balances in one eth_call: Multicall3's `aggregate((address,bytes)[])` with one
 * `getEthBalance(address)` per address, called on Multicall3 itself. Pure encoding and decoding.
 *
 * Multicall3 sits at one address on mainnet and 250+ other chains (and on none of anvil's dev
 * chains); the router reads through it only where a provider reported its code
 * (UPSTREAM_MULTICALL=auto), pinned by block hash like every other read. Against a JSON-RPC batch
 * of eth_getBalance calls it measured ~30% less node CPU per balance on anvil, one call of a
 * provider's request quota per chunk instead of one per address, and less of our own JSON.
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
const TARGET = MULTICALL3.slice(2).toLowerCase().padStart(WORD, '0');
/** Each call's tuple after its target: the offset of its bytes, their length (36), the selector. */
const CALL_HEAD = `${word(0x40)}${word(36)}${GET_ETH_BALANCE}`;
/** The 36 bytes of call data padded to 64: 28 zero bytes after the address word. */
const CALL_PAD = '0'.repeat(56);

/** The eth_call `data` reading the balance of each of `addresses` (0x + 40 hex digits each). */
export function encodeBalances(addresses: readonly string[]): string {
  const n = addresses.length;
  // The array: its length, an offset per element (from the start of the offsets), then the
  // elements, each a (target, bytes) tuple of 5 words.
  let offsets = '';
  let tuples = '';
  for (let i = 0; i < n; i++) {
    offsets += word(n * 32 + i * 160);
    tuples += `${TARGET}${CALL_HEAD}${'0'.repeat(24)}${addresses[i]!.slice(2).toLowerCase()}${CALL_PAD}`;
  }
  return `0x${AGGREGATE}${word(0x20)}${word(n)}${offsets}${tuples}`;
}

const HEX = /^[0-9a-f]*$/;
const LENGTH_32 = word(32);

/** No contract at that block (eth_call of an address without code answers "0x"). */
export const NO_CONTRACT = Symbol('no Multicall3 at this block');

/**
 * The balances an `encodeBalances(addresses)` call returned, in order; NO_CONTRACT for "0x";
 * undefined when the answer is malformed, holds another number of results, or ran at another
 * block than `blockNumber`.
 */
export function decodeBalances(result: unknown, count: number, blockNumber: bigint): bigint[] | typeof NO_CONTRACT | undefined {
  if (typeof result !== 'string' || !result.startsWith('0x')) return undefined;
  if (result === '0x') return NO_CONTRACT;
  const hex = result.slice(2).toLowerCase();
  // blockNumber, the array's offset (0x40), its length, one offset per element, and each element
  // as its length (32) plus one word: 3 + 3n words, laid out in order.
  if (hex.length !== (3 + 3 * count) * WORD || !HEX.test(hex)) return undefined;
  const at = (i: number) => hex.slice(i * WORD, (i + 1) * WORD);
  if (BigInt(`0x${at(0)}`) !== blockNumber || at(1) !== word(0x40) || at(2) !== word(count)) return undefined;
  const balances = new Array<bigint>(count);
  for (let i = 0; i < count; i++) {
    const element = 3 + count + 2 * i;
    if (at(3 + i) !== word(count * 32 + i * 64) || at(element) !== LENGTH_32) return undefined;
    balances[i] = BigInt(`0x${at(element + 1)}`);
  }
  return balances;
}
