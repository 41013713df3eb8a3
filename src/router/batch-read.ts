/**
 * Many balances at one pinned block, in as few upstream HTTP requests as the providers allow.
 *
 * - The addresses are cut into chunks of at most UPSTREAM_BATCH_MAX calls; each chunk is one
 *   JSON-RPC batch, so n cold addresses cost ceil(n / UPSTREAM_BATCH_MAX) HTTP requests when every
 *   provider answers.
 * - Chunks are spread over the healthy providers by weight (their health score): a smooth weighted
 *   round robin, so two equal providers take turns and a provider at half the score takes a third.
 *   Spreading keeps one batch of 1,000 from landing 1,000 calls on one provider's rate limit.
 * - Only what failed moves: a chunk whose HTTP request failed goes whole to the next provider it
 *   has not tried; a chunk answered in part sends only its failed calls on. A call failing with a
 *   non-retryable error (an invalid request fails the same everywhere) fails the batch at once.
 * - Hedged like single reads: each chunk's request is one failover (router/failover.ts) over the
 *   providers it has not tried yet, under the router's hedge budget, so a chunk stuck on a hung
 *   provider is asked of the next one after that provider's hedge delay. One deadline for the whole
 *   batch (REQUEST_DEADLINE_MS): what is not read by then fails the batch.
 * - Our bugs are ours: anything thrown that is not an UpstreamError passes through as itself
 *   (a 500), never booked as a provider's failure.
 * - All or nothing: when some address has no provider left, the read fails. When every provider's
 *   answer for the addresses that failed was "state not available" (pruned, missing trie node),
 *   the error says so (STATE_UNAVAILABLE, 502) instead of UPSTREAM_UNAVAILABLE.
 *
 * Generic over the provider and the chunk read, so the policy is tested with plain functions and
 * the router supplies real JSON-RPC calls.
 */
import { Cancel } from '../chain/cancel.js';
import { UpstreamError } from '../chain/upstream-error.js';
import { DEADLINE, failover } from './failover.js';
import type { HedgeBudget } from './hedge.js';

/** One chunk's answer: a wei value or an error per address, in the chunk's order. */
export interface ChunkAnswer {
  readonly values: readonly (bigint | UpstreamError)[];
  /** Round trip of the HTTP request that carried the chunk. */
  readonly latencyMs: number;
}

export interface BatchReadPlan<P> {
  /** Distinct addresses to read. */
  readonly addresses: readonly string[];
  /** Usable providers, best first. */
  readonly providers: readonly P[];
  /** Weight of each provider (its health score); > 0. */
  readonly weight: (provider: P) => number;
  readonly maxPerCall: number;
  /** Reads one chunk from one provider: rejects with an UpstreamError when the whole request failed. */
  readonly readChunk: (provider: P, addresses: readonly string[], cancel: Cancel) => Promise<ChunkAnswer>;
  /** How long to wait for `provider` before hedging the chunk to the next one. */
  readonly hedgeDelayMs: (provider: P) => number;
  readonly budget: HedgeBudget;
  /** The whole batch's deadline (REQUEST_DEADLINE_MS). */
  readonly deadlineMs: number;
  /**
   * Runs `pass` (round 0 reads every chunk; a later round what is still missing, chunked afresh)
   * as often as the retry policy allows (router/retry-policy.ts); `cost` is the next round's HTTP
   * requests. Default: one pass.
   */
  readonly rounds?: ((pass: (round: number) => Promise<void>, cost: () => number) => Promise<void>) | undefined;
  /** A first-round HTTP request went out (the retry budget's books). */
  readonly called?: (() => void) | undefined;
}

export interface BatchReadResult<P> {
  /** Wei per address, in the plan's order. */
  readonly values: readonly bigint[];
  /** Slowest HTTP round trip the read needed. */
  readonly latencyMs: number;
  /** HTTP requests sent (chunks, first tries and failovers). */
  readonly requests: number;
  /** Providers that answered part of the batch. */
  readonly providers: ReadonlySet<P>;
}

export class BatchReadError<P> extends Error {
  constructor(
    /** 'state': every failure left was a provider without the state; 'upstream': anything else; 'invalid': a request no provider will take. */
    readonly kind: 'state' | 'upstream' | 'invalid',
    message: string,
    /** The last failure seen from each provider. */
    readonly failures: ReadonlyMap<P, UpstreamError>,
  ) {
    super(message);
    this.name = 'BatchReadError';
  }
}

/**
 * Pure: which provider reads each of `chunks` chunks. Smooth weighted round robin (nginx's
 * upstream algorithm): each turn every provider gains its weight, the richest takes the chunk and
 * pays the total. Deterministic; the best provider (first) wins ties.
 */
export function assignChunks(chunks: number, scores: readonly number[]): number[] {
  // Integer weights (per mille): float sums would break ties by rounding error.
  const weights = scores.map((s) => Math.max(1, Math.round(s * 1000)));
  const current = weights.map(() => 0);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  for (let c = 0; c < chunks; c++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out.push(best);
  }
  return out;
}

/** Pure: `items` in chunks of at most `max`. */
export function chunk<T>(items: readonly T[], max: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += max) out.push(items.slice(i, i + max));
  return out;
}

/** Whether a failure means "this provider has no state for that block" rather than "it is failing". */
export function isStateUnavailable(error: UpstreamError): boolean {
  return error.kind === 'state-unavailable';
}

export async function readBatch<P>(plan: BatchReadPlan<P>): Promise<BatchReadResult<P>> {
  const { providers, addresses, maxPerCall } = plan;
  const values = new Array<bigint | undefined>(addresses.length);
  const failures = new Map<P, UpstreamError>();
  const used = new Set<P>();
  if (providers.length === 0) throw new BatchReadError('upstream', 'no provider can serve reads right now', failures);
  let latencyMs = 0;
  let requests = 0;
  /** Failures per address index, to tell "no state anywhere" from "providers failing". */
  const lastError = new Map<number, UpstreamError[]>();
  let invalid: UpstreamError | undefined;

  const indexes = addresses.map((_, i) => i);
  const chunks = chunk(indexes, maxPerCall);
  const weights = providers.map((p) => plan.weight(p));
  const owner = assignChunks(chunks.length, weights);

  const deadline = new Cancel();
  const timer = setTimeout(() => deadline.cancel(DEADLINE), plan.deadlineMs);

  /**
   * Reads `part` starting at provider `start`, each provider asked at most once, in ranked order
   * after it; each round is one hedged failover over the providers not asked yet.
   */
  const run = async (part: number[], start: number, round: number): Promise<void> => {
    let pending = part;
    const asked = new Set<P>();
    while (pending.length > 0 && invalid === undefined && !deadline.cancelled) {
      const order: P[] = [];
      for (let step = 0; step < providers.length; step++) {
        const p = providers[(start + step) % providers.length]!;
        if (!asked.has(p)) order.push(p);
      }
      if (order.length === 0) return;
      const asking = pending;
      const chunkAddresses = asking.map((i) => addresses[i]!);
      let answer: ChunkAnswer;
      let from: P;
      try {
        ({ answer, from } = await failover({
          order,
          failures,
          budget: plan.budget,
          deadline,
          deadlineMs: plan.deadlineMs,
          hedgeDelayMs: plan.hedgeDelayMs,
          read: (p, cancel) => {
            asked.add(p);
            requests++;
            if (round === 0) plan.called?.();
            return plan.readChunk(p, chunkAddresses, cancel).then(
              (a) => ({ answer: a, from: p }),
              (error: unknown) => {
                if (error instanceof UpstreamError && error.kind !== 'cancelled') for (const i of asking) note(lastError, i, error);
                throw error;
              },
            );
          },
        }));
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        if (!error.retryable && error.kind !== 'cancelled') invalid = error;
        return;
      }
      latencyMs = Math.max(latencyMs, answer.latencyMs);
      const failed: number[] = [];
      asking.forEach((i, j) => {
        const v = answer.values[j];
        if (typeof v === 'bigint') {
          values[i] = v;
          used.add(from);
        } else {
          const error = v ?? new UpstreamError('bad-response', String(from), 'no answer for a call of the batch');
          failures.set(from, error);
          note(lastError, i, error);
          if (!error.retryable && error.kind !== 'cancelled') invalid = error;
          failed.push(i);
        }
      });
      pending = failed;
    }
  };

  const missingNow = () => indexes.filter((i) => values[i] === undefined);
  const stateOnly = (missing: readonly number[]) =>
    missing.every((i) => {
      const errors = lastError.get(i) ?? [];
      return errors.length > 0 && errors.every(isStateUnavailable);
    });
  /** One round; rejects with an UpstreamError when something is left, retryable unless no round can help. */
  const pass = async (round: number): Promise<void> => {
    const parts = round === 0 ? chunks : chunk(missingNow(), maxPerCall);
    const owners = round === 0 ? owner : assignChunks(parts.length, weights);
    await Promise.all(parts.map((part, c) => run(part, owners[c]!, round)));
    if (invalid !== undefined) throw invalid;
    const missing = missingNow();
    if (missing.length === 0) return;
    if (stateOnly(missing)) throw new UpstreamError('state-unavailable', 'router', `${missing.length} balances not in any provider's state`);
    throw new UpstreamError('unavailable', 'router', `${missing.length} balances not read`);
  };
  try {
    await (plan.rounds === undefined ? pass(0) : plan.rounds(pass, () => Math.ceil(missingNow().length / maxPerCall)));
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
  } finally {
    clearTimeout(timer);
  }

  if (invalid !== undefined) throw new BatchReadError('invalid', invalid.message, failures);
  const missing = missingNow();
  if (missing.length > 0) {
    const onlyState = stateOnly(missing);
    const message = onlyState
      ? `no provider has the state for ${missing.length} of ${addresses.length} addresses at this block`
      : `no provider answered ${missing.length} of ${addresses.length} balances`;
    throw new BatchReadError(onlyState ? 'state' : 'upstream', message, failures);
  }
  return { values: values as bigint[], latencyMs, requests, providers: used };
}

function note(map: Map<number, UpstreamError[]>, i: number, error: UpstreamError): void {
  const list = map.get(i);
  if (list === undefined) map.set(i, [error]);
  else list.push(error);
}
