/**
 * How fresh a network's head must be and how far behind it a provider may fall, from the chain's
 * block time. Pure.
 *
 * Lag is measured in time behind the head: a provider is lagging when it is more than
 * LAG_WINDOW_MS behind (and more than MIN_LAG_BLOCKS blocks). On mainnet (12 s) that is today's 3
 * blocks; on Arbitrum (250 ms) providers polled a moment apart are routinely several blocks apart,
 * and the window allows 12. MAX_HEAD_LAG_BLOCKS, when set, overrides it on every network.
 *
 * Head freshness: the head is at most about a block old, within [MIN_HEAD_AGE_MS, HEAD_MAX_AGE_MS
 * default]; HEAD_MAX_AGE_MS, when set, overrides it. A fast chain pays at most twice the polls.
 */

/** Blocks a provider may always be behind (the default on slow chains). */
export const MIN_LAG_BLOCKS = 3;
/** Time a provider may be behind the head on a fast chain. */
export const LAG_WINDOW_MS = 3000;
/** The freshest head a fast chain asks for (at most two polls a second per provider under traffic). */
export const MIN_HEAD_AGE_MS = 500;
/** The head age on chains whose blocks come a second or more apart (HEAD_MAX_AGE_MS's default). */
export const DEFAULT_HEAD_AGE_MS = 1000;

export interface HeadPaceInput {
  /** The chain's block time; undefined when unknown (block counts and defaults apply). */
  readonly blockTimeMs: number | undefined;
  /** MAX_HEAD_LAG_BLOCKS when set. */
  readonly maxHeadLagBlocks: number | undefined;
  /** HEAD_MAX_AGE_MS when set. */
  readonly headMaxAgeMs: number | undefined;
}

export interface HeadPace {
  /** Most blocks a usable provider may be behind the newest head. */
  readonly maxLagBlocks: number;
  /** The same bar in time (undefined when the block time is unknown). */
  readonly maxLagMs: number | undefined;
  /** Oldest head served without waiting for a poll. */
  readonly headMaxAgeMs: number;
}

export function headPace(input: HeadPaceInput): HeadPace {
  const { blockTimeMs } = input;
  const known = blockTimeMs !== undefined && blockTimeMs > 0;
  const maxLagBlocks =
    input.maxHeadLagBlocks ?? (known ? Math.max(MIN_LAG_BLOCKS, Math.ceil(LAG_WINDOW_MS / blockTimeMs)) : MIN_LAG_BLOCKS);
  const headMaxAgeMs =
    input.headMaxAgeMs ?? (known ? Math.min(DEFAULT_HEAD_AGE_MS, Math.max(MIN_HEAD_AGE_MS, blockTimeMs)) : DEFAULT_HEAD_AGE_MS);
  return { maxLagBlocks, maxLagMs: known ? maxLagBlocks * blockTimeMs : undefined, headMaxAgeMs };
}
