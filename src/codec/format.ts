/** wei -> ether and response bytes. Pure. */

const WEI_PER_ETHER = 10n ** 18n;

/**
 * Exact decimal ether string: 136500000000000n -> "0.0001365"; no float ever touches it. Same
 * output as ethers' formatEther (at least one fractional digit: "1.0", "0.0"), at a fraction of
 * its cost (it builds a FixedNumber per call; see bench/codec.bench.ts).
 */
export function weiToEther(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / WEI_PER_ETHER;
  let fraction = (abs % WEI_PER_ETHER).toString().padStart(18, '0');
  let end = fraction.length;
  while (end > 1 && fraction.charCodeAt(end - 1) === 48) end--;
  fraction = fraction.slice(0, end);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export interface BalanceBody {
  readonly address: string;
  readonly network: string;
  readonly blockTag: 'latest';
  readonly balance: string;
  readonly balanceWei: string;
  readonly rpcLatencyMs: number;
  readonly headBlockNumber: string;
}

export function balanceBody(
  address: string,
  network: string,
  wei: bigint,
  rpcLatencyMs: number,
  headBlockNumber: string,
): BalanceBody {
  return {
    address,
    network,
    blockTag: 'latest',
    balance: weiToEther(wei),
    balanceWei: wei.toString(10),
    rpcLatencyMs: Math.round(rpcLatencyMs * 100) / 100,
    headBlockNumber,
  };
}
