/**
 * What a shared entry is for and what it holds, as pure functions.
 *
 * Key: prefix + {chainId:blockHash:address} (+ ":v" for a verified read). The braces are a Redis
 * Cluster hash tag, so the entry and its fill lock land on one slot (ElastiCache Serverless and
 * cluster mode refuse a script touching two slots). A balance at a block hash never changes, so an
 * entry can never be stale; its TTL only bounds memory.
 *
 * Value: "b1|chainId|blockHash|address|wei|verified|stateRoot". It repeats what the key says, so a
 * value written under the wrong key (a bug, a shared Redis, a hand edit) is caught by
 * `decodeSharedValue` and never served: the caller treats it as a miss and overwrites it.
 */
export interface SharedKey {
  readonly chainId: number;
  /** 0x + 64 hex, the block the balance was read at. */
  readonly blockHash: string;
  /** 0x + 40 hex (any case; compared lowercased). */
  readonly address: string;
  /** A verified request never takes an unverified entry, so the flag is part of the key. */
  readonly verified: boolean;
}

export interface SharedValue extends SharedKey {
  readonly wei: bigint;
  /** Set when verified: the state root the account proof was checked against. */
  readonly stateRoot: string | undefined;
}

const VERSION = 'b1';
const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
/** uint256 max has 78 decimal digits; no leading zeros except "0" itself. */
const WEI = /^(0|[1-9][0-9]{0,77})$/;
const MAX_UINT256 = (1n << 256n) - 1n;

function tag(key: SharedKey): string {
  return `{${key.chainId}:${key.blockHash.toLowerCase()}:${key.address.toLowerCase()}}${key.verified ? ':v' : ''}`;
}

export function sharedKey(prefix: string, key: SharedKey): string {
  return prefix + tag(key);
}

/** The fill lock beside an entry (same hash tag, so the same slot). */
export function lockKey(prefix: string, key: SharedKey): string {
  return `${prefix}${tag(key)}:lock`;
}

export function encodeSharedValue(value: SharedValue): string {
  if (value.wei < 0n || value.wei > MAX_UINT256) throw new RangeError(`wei out of uint256 range: ${value.wei}`);
  if (value.verified && (value.stateRoot === undefined || !HASH.test(value.stateRoot.toLowerCase()))) {
    throw new TypeError('a verified shared value needs its stateRoot');
  }
  return [
    VERSION,
    String(value.chainId),
    value.blockHash.toLowerCase(),
    value.address.toLowerCase(),
    value.wei.toString(10),
    value.verified ? '1' : '0',
    value.verified ? value.stateRoot!.toLowerCase() : '',
  ].join('|');
}

/**
 * The value if `raw` is a well-formed entry for exactly `key`, else undefined (poison: unparsable,
 * another version, or written for another chain, block, address or verification level).
 */
export function decodeSharedValue(raw: string | Buffer | null | undefined, key: SharedKey): SharedValue | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  if (text.length > 256) return undefined;
  const parts = text.split('|');
  if (parts.length !== 7) return undefined;
  const [version, chain, hash, address, wei, verified, stateRoot] = parts as [string, string, string, string, string, string, string];
  if (version !== VERSION) return undefined;
  if (chain !== String(key.chainId)) return undefined;
  if (!HASH.test(hash) || hash !== key.blockHash.toLowerCase()) return undefined;
  if (!ADDRESS.test(address) || address !== key.address.toLowerCase()) return undefined;
  if (!WEI.test(wei)) return undefined;
  const amount = BigInt(wei);
  if (amount > MAX_UINT256) return undefined;
  if (verified !== (key.verified ? '1' : '0')) return undefined;
  if (key.verified ? !HASH.test(stateRoot) : stateRoot !== '') return undefined;
  return {
    chainId: key.chainId,
    blockHash: key.blockHash,
    address: key.address,
    verified: key.verified,
    wei: amount,
    stateRoot: key.verified ? stateRoot : undefined,
  };
}
