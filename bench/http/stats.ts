/** Small pure helpers for the harness: medians, percentiles, ratios, fresh addresses, RPC bodies. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export { percentile } from '../../src/testing/stats.js';

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? undefined : a / b;
}

/**
 * A lowercase address no phase has asked for before: 8 hex digits of phase prefix, then the
 * counter. Lowercase is valid with ADDRESS_CHECKSUM=lenient, and the service still runs keccak on it.
 */
export function freshAddress(prefix: string, n: number): string {
  const counter = Math.floor(n).toString(16).padStart(32, '0');
  return `0x${prefix.padStart(8, '0').slice(-8)}${counter.slice(-32)}`;
}

/**
 * The prefixes for freshAddress, a new one per phase: consecutive from a random start, so that no
 * two phases of a run, and likely no two runs against one node, ask for the same addresses.
 */
export function prefixSequence(): () => string {
  let phase = Math.floor(Math.random() * 0xfff) << 16;
  return () => (phase++).toString(16).padStart(8, '0');
}

/** An eth_getBalance JSON-RPC body; `block` is already JSON ('"latest"' or '{"blockHash":...}'). */
export function rpcBody(address: string, block: string): string {
  return `{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["${address}",${block}]}`;
}
