/** wei -> ether and response bytes. Pure. */

/**
 * Exact decimal ether string: 136500000000000n -> "0.0001365", 0n -> "0.0", 10n ** 18n -> "1.0";
 * no float ever touches it. The runtime's ICU decimal formatter (Intl.NumberFormat, which formats a
 * decimal string exactly, at any length) over the wei's digits scaled by E-18: the strings of
 * ethers' formatEther (format.test.ts compares the two on edge cases and 20,000 random values up
 * to 2^256-1) at about half its cost and without its per-call FixedNumber objects, which were
 * ~12% of the service's CPU in cold batches (bench:batch, 1,000 formattings per batch).
 */
const ETHER = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 18, useGrouping: false });

export function weiToEther(wei: bigint): string {
  // The balance of most addresses ever asked about, and of every never-used one: no formatter.
  if (wei === 0n) return '0.0';
  // Intl.NumberFormat takes a decimal string as an exact value (ES2023, "Intl.NumberFormat v3");
  // its TypeScript signature still names only number | bigint.
  return ETHER.format(`${wei}E-18` as unknown as number);
}

/** Which network a body answers for: its canonical name and chain id. */
export interface NetworkLabel {
  readonly name: string;
  readonly chainId: number;
}

export interface BalanceBody {
  readonly address: string;
  readonly network: string;
  readonly chainId: number;
  readonly blockTag: string;
  readonly balance: string;
  readonly balanceWei: string;
  readonly rpcLatencyMs: number;
  /** The block the balance was read at (its meaning since the seed): always equal to blockNumber. */
  readonly headBlockNumber: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  /** true only for a balance proven against a quorum's block (src/verify/); then stateRoot says against what. */
  readonly verified: boolean;
  readonly stateRoot?: string;
}

/** The block a balance was read at, and the tag as the client asked for it (its echo form). */
export interface BlockAt {
  readonly tag: string;
  /** Hex number. */
  readonly number: string;
  readonly hash: string;
}

/** The block a verified balance was proven at. */
export interface VerifiedAt {
  readonly blockHash: string;
  readonly stateRoot: string;
}

export function balanceBody(
  address: string,
  network: NetworkLabel,
  wei: bigint,
  rpcLatencyMs: number,
  at: BlockAt,
  verified?: VerifiedAt,
): BalanceBody {
  return {
    address,
    network: network.name,
    chainId: network.chainId,
    blockTag: at.tag,
    balance: weiToEther(wei),
    balanceWei: wei.toString(10),
    rpcLatencyMs: Math.round(rpcLatencyMs * 100) / 100,
    headBlockNumber: at.number,
    blockNumber: at.number,
    blockHash: at.hash,
    verified: verified !== undefined,
    ...(verified === undefined ? {} : { stateRoot: verified.stateRoot }),
  };
}
