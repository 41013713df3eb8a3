/**
 * Retry rounds for one read, driven by p-retry: when a pass over the ranked candidates (failover and
 * hedging inside it, no pause between providers) has failed with a retryable error, another pass
 * runs after a backoff, while the request deadline, RETRY_MAX_ROUNDS and the process-wide retry
 * budget allow. A non-retryable failure, and any error that is not an UpstreamError (our own bug),
 * stops at once through p-retry's AbortError and surfaces as itself.
 *
 * The first pass runs outside p-retry, so a read that succeeds (nearly all of them) costs nothing
 * extra. The wait is ours (router/backoff.ts, full jitter) rather than p-retry's `randomize`, which
 * multiplies by 1..2 and so never spreads a wave of retries down towards zero; p-retry's own delay
 * is set to 0 and the wait happens at the start of the next round, once `shouldRetry` has decided.
 */
import pRetry, { AbortError } from 'p-retry';
import { UpstreamError } from '../chain/upstream-error.js';
import { backoffMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { backoffVerdict } from './retry-after.js';
import type { RetryBudget } from './retry-budget.js';

/** What the metrics count: a round started, the read answered or failed after retries, a retry refused by the budget, a fast 502. */
export type RetryEvent = 'retry' | 'recovered' | 'failed' | 'budget-exhausted' | 'fail-fast';

export interface RetryRoundsPlan<R> {
  /** One pass over the ranked candidates (round 0 is the first); rejects with an UpstreamError when all failed. */
  readonly pass: (round: number) => Promise<R>;
  /** RETRY_MAX_ROUNDS: extra passes at most. */
  readonly maxRounds: number;
  /** The process-wide budget; the caller books its first-try upstream requests on it (`called`). */
  readonly budget: RetryBudget;
  /** Milliseconds left before the request deadline. */
  readonly remainingMs: () => number;
  readonly random: () => number;
  /** Per candidate, milliseconds until it may be asked again (a rate-limit or circuit back-off; <= 0: now). */
  readonly askableInMs?: (() => readonly number[]) | undefined;
  /** Aborts the waits (the request deadline passed, or the client left). */
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: RetryEvent) => void) | undefined;
  readonly policy?: BackoffPolicy | undefined;
  /** Upstream requests the next round will send (its candidates, its chunks), spent on the budget; default 1. */
  readonly cost?: (() => number) | undefined;
}

/**
 * Worth another round: a retryable UpstreamError other than "this node has no such block or state",
 * which the same providers would only say again a few milliseconds later.
 */
export function isRetryable(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && error.retryable && !SAME_AGAIN.has(error.kind);
}

const SAME_AGAIN = new Set<UpstreamError['kind']>(['state-unavailable', 'block-not-found']);

export function retryRounds<R>(plan: RetryRoundsPlan<R>): Promise<R> {
  const first = plan.pass(0);
  if (plan.maxRounds <= 0) return first;
  return first.catch((error: unknown) => {
    if (!isRetryable(error)) throw error;
    return retryAfterFirst(plan, error);
  });
}

function retryAfterFirst<R>(plan: RetryRoundsPlan<R>, firstError: UpstreamError): Promise<R> {
  const policy = plan.policy ?? DEFAULT_BACKOFF;
  let waitMs = 0;
  let retried = false;
  const emit = plan.onEvent ?? (() => undefined);
  return pRetry(
    async (attempt) => {
      // p-retry's first attempt is the pass that already failed: it decides whether to go again.
      if (attempt === 1) throw firstError;
      if (waitMs > 0) await sleep(waitMs, plan.signal);
      try {
        return await plan.pass(attempt - 1);
      } catch (error) {
        if (!isRetryable(error)) throw new AbortError(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    },
    {
      retries: plan.maxRounds,
      factor: policy.factor,
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      maxRetryTime: Math.max(0, plan.remainingMs()),
      signal: plan.signal,
      shouldConsumeRetry: () => true,
      shouldRetry: ({ error, retriesConsumed }) => {
        if (!isRetryable(error)) return false;
        const remaining = plan.remainingMs();
        const verdict = backoffVerdict(plan.askableInMs?.() ?? [0], remaining);
        if (verdict.kind === 'fail-fast') {
          emit('fail-fast');
          // Nobody can be asked before the deadline: a 502 now, with when to come back.
          throw new UpstreamError('rate-limited', 'router', `no provider can be asked within the request deadline`, verdict.retryAfterSeconds * 1000);
        }
        const jitter = backoffMs(retriesConsumed + 1, plan.random(), remaining - verdict.inMs, policy);
        if (jitter === undefined) return false;
        if (!plan.budget.tryRetry(Math.max(1, plan.cost?.() ?? 1))) {
          emit('budget-exhausted');
          return false;
        }
        waitMs = verdict.inMs + jitter;
        retried = true;
        emit('retry');
        return true;
      },
    },
  ).then(
    (value) => {
      if (retried) emit('recovered');
      return value;
    },
    (error: unknown) => {
      if (retried) emit('failed');
      throw error;
    },
  );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new UpstreamError('timeout', 'router', 'request deadline passed'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UpstreamError('timeout', 'router', 'request deadline passed'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
