/**
 * Codec work of a batch (POST /address/balances), pure: many address checks, and the answer built
 * from per-address items. An item is the serialized `{"address","balance","balanceWei"}` object,
 * so a cached item goes into an answer by string concatenation, without a parse or a stringify.
 * Inline or on the piscina pool: bench/batch-codec.bench.ts measures both for 1,000 addresses.
 */
import type { ChecksumMode } from '../config/config.js';
import { checkAddress, type AddressCheck } from './address.js';
import { weiToEther } from './format.js';

/** `{"address":..,"balance":..,"balanceWei":..}` for one address (already EIP-55) at one block. */
export function balanceItem(address: string, wei: bigint): string {
  // Every value is a hex address or a decimal number: no character needs JSON escaping.
  return `{"address":"${address}","balance":"${weiToEther(wei)}","balanceWei":"${wei.toString(10)}"}`;
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
  readonly blockTag: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly rpcLatencyMs: number;
}

/** The whole 200 body: the block fields once, then the items in request order. */
export function balancesBody(header: BalancesHeader, items: readonly string[]): string {
  const head = JSON.stringify({
    network: header.network,
    blockTag: header.blockTag,
    blockNumber: header.blockNumber,
    blockHash: header.blockHash,
    headBlockNumber: header.blockNumber,
    rpcLatencyMs: Math.round(header.rpcLatencyMs * 100) / 100,
  });
  return `${head.slice(0, -1)},"balances":[${items.join(',')}]}`;
}
