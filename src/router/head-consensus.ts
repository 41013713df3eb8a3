/**
 * The service head (the block reads are pinned to) from the providers' latest blocks. Pure.
 *
 * Only providers that may serve reads count (right chain, breaker closed, not cooling) and only
 * with a latest block seen within `freshMs`. The newest of those sets the bar; a provider more than
 * `maxLag` blocks under it is lagging and left out. The service head is the oldest latest block
 * among the rest: the newest block every usable provider can serve, so any of them can answer a
 * read pinned to it and failover has the whole set to work with. At that number, the hash most
 * providers report wins (ties: the first in the order given, which the router passes best first).
 */
import type { Head } from '../chain/head.js';

/** One provider as the consensus sees it: its own latest block, when it was seen, and whether it counts. */
export interface HeadView {
  readonly latest: Head | undefined;
  readonly seenAt: number;
  readonly eligible: boolean;
}

export interface Consensus {
  /** Highest block number among fresh eligible providers (or served): the bar lag counts from. */
  readonly newest: bigint | undefined;
  /** The service head: the block reads are pinned to. */
  readonly head: Head | undefined;
}

export function consensusHead(
  views: readonly HeadView[],
  now: number,
  maxLag: number,
  freshMs: number,
  /** The newest head already served: lag counts from it too, so when every current provider fails a far-behind one does not become "the newest". */
  served?: bigint,
): Consensus {
  let newest: bigint | undefined = served;
  for (const v of views) {
    if (!usable(v, now, freshMs)) continue;
    if (newest === undefined || v.latest!.number > newest) newest = v.latest!.number;
  }
  if (newest === undefined) return { newest, head: undefined };
  const floor = newest - BigInt(maxLag);
  let oldest: bigint | undefined;
  for (const v of views) {
    if (!usable(v, now, freshMs) || v.latest!.number < floor) continue;
    if (oldest === undefined || v.latest!.number < oldest) oldest = v.latest!.number;
  }
  const votes = new Map<string, { head: Head; n: number }>();
  for (const v of views) {
    if (!usable(v, now, freshMs) || v.latest!.number !== oldest) continue;
    const entry = votes.get(v.latest!.hash);
    if (entry === undefined) votes.set(v.latest!.hash, { head: v.latest!, n: 1 });
    else entry.n++;
  }
  let best: { head: Head; n: number } | undefined;
  for (const entry of votes.values()) if (best === undefined || entry.n > best.n) best = entry;
  return { newest, head: best?.head };
}

/** Blocks `latest` is behind `newest`; undefined when either is unknown. */
export function lagOf(latest: Head | undefined, newest: bigint | undefined): number | undefined {
  if (latest === undefined || newest === undefined) return undefined;
  const lag = newest - latest.number;
  return lag <= 0n ? 0 : Number(lag);
}

function usable(v: HeadView, now: number, freshMs: number): boolean {
  return v.eligible && v.latest !== undefined && now - v.seenAt <= freshMs;
}
