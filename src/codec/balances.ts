/**
 * Codec work of a batch (POST /address/balances), pure: many address checks, and the answer built
 * from per-address items. An item is the serialized `{"address","balance","balanceWei"}` object,
 * so a cached item goes into an answer by string concatenation, without a parse or a stringify.
 * Inline or on the piscina pool: bench/batch-codec.bench.ts measures both for 1,000 addresses.
 */
import type { ChecksumMode } from '../config/config.js';
import { checkAddress, type AddressCheck } from './address.js';
import { weiToEther, type BlockAt } from './format.js';

/** `{"address":..,"balance":..,"balanceWei":..}` for one address (already EIP-55) at one block. */
export function balanceItem(address: string, wei: bigint): string {
  return itemText(address, weiToEther(wei), wei.toString(10));
}

// Every value below is a hex address or hash, a decimal number or a tag echo ([0-9a-z]): no
// character needs JSON escaping, so templates build the same bytes JSON.stringify would.
function itemText(address: string, balance: string, balanceWei: string): string {
  return `{"address":"${address}","balance":"${balance}","balanceWei":"${balanceWei}"}`;
}

/**
 * What the single route's bodies of one batch read have in common: every field but the address and
 * the two balances, as the two strings that go around them. Made once per read, shared by its items.
 */
export interface BodyParts {
  /** After the address: network, chain id and tag. */
  readonly mid: string;
  /** After the balances: latency, the block, the proof fields and the closing brace. */
  readonly tail: string;
}

export function bodyParts(read: { readonly network: string; readonly chainId: number; readonly rpcLatencyMs: number; readonly at: BlockAt; readonly stateRoot?: string | undefined }): BodyParts {
  const { at, stateRoot } = read;
  const latency = Math.round(read.rpcLatencyMs * 100) / 100;
  const proof = stateRoot === undefined ? '"verified":false' : `"verified":true,"stateRoot":"${stateRoot}"`;
  return {
    mid: `,"network":${JSON.stringify(read.network)},"chainId":${read.chainId},"blockTag":"${at.tag}"`,
    tail: `,"rpcLatencyMs":${latency},"headBlockNumber":"${at.number}","blockNumber":"${at.number}","blockHash":"${at.hash}",${proof}}`,
  };
}

/** Where an item's address ends: `{"address":"0x` + 40 hex digits + `"`. */
const ADDRESS_END = '{"address":"'.length + 42 + 1;

/**
 * The single route's body for an address a batch read, from its item and the read's parts: no
 * second ether formatting, no JSON. Byte for byte what the single route writes (balances.test.ts
 * compares them); the cache makes it only when a single GET first asks for that entry.
 */
export function bodyFromItem(item: string, parts: BodyParts): string {
  return item.slice(0, ADDRESS_END) + parts.mid + item.slice(ADDRESS_END, -1) + parts.tail;
}

/** Items for many (address, wei as decimal string) pairs: the shape a worker message carries. */
export function balanceItems(addresses: readonly string[], weis: readonly string[]): string[] {
  const out = new Array<string>(addresses.length);
  for (let i = 0; i < addresses.length; i++) out[i] = balanceItem(addresses[i]!, BigInt(weis[i]!));
  return out;
}

export function checkAddresses(inputs: readonly string[], mode: ChecksumMode): AddressCheck[] {
  return inputs.map((input) => checkAddress(input, mode));
}

export interface BalancesHeader {
  readonly network: string;
  readonly chainId: number;
  readonly blockTag: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly rpcLatencyMs: number;
  /** Set when every balance was proven against this state root (src/verify/). */
  readonly stateRoot?: string | undefined;
}

/** The whole 200 body: the block fields once, then the items in request order. */
export function balancesBody(header: BalancesHeader, items: readonly string[]): string {
  const head = JSON.stringify({
    network: header.network,
    chainId: header.chainId,
    blockTag: header.blockTag,
    blockNumber: header.blockNumber,
    blockHash: header.blockHash,
    headBlockNumber: header.blockNumber,
    rpcLatencyMs: Math.round(header.rpcLatencyMs * 100) / 100,
    verified: header.stateRoot !== undefined,
    ...(header.stateRoot === undefined ? {} : { stateRoot: header.stateRoot }),
  });
  return `${head.slice(0, -1)},"balances":[${items.join(',')}]}`;
}
