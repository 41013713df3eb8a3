/** A block the service reads balances at: number and hash, so a read can be pinned (EIP-1898). */
export interface Head {
  readonly number: bigint;
  readonly hash: string;
  /** Hex form of number, as JSON-RPC and our responses spell it. */
  readonly numberHex: string;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;
const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;

/** Parses an eth_getBlockByNumber result; undefined when it is not a well-formed block. */
export function parseBlock(result: unknown): Head | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const { number, hash } = result as { number?: unknown; hash?: unknown };
  if (typeof number !== 'string' || !QUANTITY.test(number) || typeof hash !== 'string' || !HASH.test(hash)) {
    return undefined;
  }
  const n = BigInt(number);
  return { number: n, hash: hash.toLowerCase(), numberHex: `0x${n.toString(16)}` };
}

/** Parses a JSON-RPC QUANTITY (balances, chain ids); undefined when malformed. */
export function parseQuantity(result: unknown): bigint | undefined {
  return typeof result === 'string' && QUANTITY.test(result) ? BigInt(result) : undefined;
}
