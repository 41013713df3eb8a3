/**
 * What every provider is measured against: the chain it must be on and the newest block number
 * among usable providers (lag counts from it). Written by the head poller only.
 *
 * Names of heads: a `Head` is a block (number + hash). A provider's `latest` is the newest block it
 * told us about; the *service head* is the consensus of those (router/head-consensus.ts), the block
 * reads are pinned to; `ChainView.newest` is the highest block number among usable providers, the
 * bar lag is measured from.
 */
export class ChainView {
  private expected: number | undefined;
  private newestNumber: bigint | undefined;

  constructor(
    expectedChainId: number | undefined,
    readonly maxLag: number,
  ) {
    this.expected = expectedChainId;
  }

  get chainId(): number | undefined {
    return this.expected;
  }

  get newest(): bigint | undefined {
    return this.newestNumber;
  }

  /** Development only (no EXPECTED_CHAIN_ID): the first chain id an answer named. */
  expect(chainId: number): void {
    this.expected ??= chainId;
  }

  newestIs(number: bigint | undefined): void {
    this.newestNumber = number;
  }
}
