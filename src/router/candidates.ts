/**
 * The providers one read may ask, best first, with the health scores they were ranked by
 * (router/scoring.ts, router/selection.ts). Pure: provider state, the clock reading and the
 * randomness come in.
 */
import type { Head } from '../chain/head.js';
import type { ProviderHandle } from './provider.js';
import { rank } from './selection.js';

export type RankedProvider = Pick<ProviderHandle, 'effectiveLatency' | 'isUsable' | 'isLastResort' | 'scoreAt' | 'latest' | 'retryInMs'>;

/** A usable provider and the health score it was ranked by for one read. */
interface Scored<P> {
  readonly provider: P;
  readonly score: number;
}

export interface Candidates<P> {
  readonly order: P[];
  /** Ranking scores of the usable providers (none for last-resort ones). */
  readonly scores: ReadonlyMap<P, number>;
  /** The first entry is an exploration pick (router/selection.ts). */
  readonly explored: boolean;
  /** Every circuit is open: these are asked anyway, the soonest to reopen first. */
  readonly lastResort: boolean;
}

export interface CandidatesOptions {
  /** The block the read is pinned to. */
  readonly at: Head;
  readonly now: number;
  readonly random: () => number;
}

/** Usable providers for a read at `at`, best first; those not known to have the block go last. */
export function candidatesFor<P extends RankedProvider>(providers: readonly P[], options: CandidatesOptions): Candidates<P> {
  const { at, now } = options;
  let best = Number.POSITIVE_INFINITY;
  for (const p of providers) {
    const latency = p.effectiveLatency(now);
    if (latency !== undefined && latency < best && p.isUsable(now)) best = latency;
  }
  if (best === Number.POSITIVE_INFINITY) best = 0;
  const ready: Scored<P>[] = [];
  const unsure: Scored<P>[] = [];
  const scores = new Map<P, number>();
  for (const p of providers) {
    if (!p.isUsable(now)) continue;
    const scored = { provider: p, score: p.scoreAt(now, best) };
    scores.set(p, scored.score);
    // Having served a head at or above the pinned block, it has the block (same chain).
    const latest = p.latest;
    if (latest !== undefined && latest.number >= at.number) ready.push(scored);
    else unsure.push(scored);
  }
  const ranking = rank(ready, options.random);
  unsure.sort((a, b) => b.score - a.score);
  const order = [...ranking.order, ...unsure].map((s) => s.provider);
  if (order.length > 0) return { order, scores, explored: ranking.explored, lastResort: false };
  // Every circuit open: ask them anyway, the soonest to reopen first, rather than fail unasked.
  const open = providers.filter((p) => p.isLastResort(now));
  open.sort((a, b) => a.retryInMs(now) - b.retryInMs(now));
  return { order: open, scores, explored: false, lastResort: true };
}
