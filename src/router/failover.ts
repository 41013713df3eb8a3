/**
 * Failover and hedging for one read, over candidates already ranked best first.
 *
 * p-retry drives the attempts: each attempt asks the next untried provider, with no pause between
 * attempts (another provider is not busy because this one was), and stops when the error is not
 * worth retrying (an invalid request fails the same everywhere), when the candidates run out, or
 * when the request deadline passes. Inside an attempt, if the provider has not answered within its
 * hedge delay and the budget allows, the next candidate is asked too; the first answer wins and the
 * other call is withdrawn (abort reason HEDGE_LOST).
 */
import pRetry from 'p-retry';
import { UpstreamError } from '../chain/upstream-error.js';
import type { HedgeBudget } from './hedge.js';

/** Abort reasons, so a withdrawn call knows why (reported as 'hedge' or as a timeout). */
export const HEDGE_LOST = 'hedge-lost';
export const DEADLINE = 'deadline';

export interface FailoverPlan<P, R> {
  /** Candidates, best first. */
  readonly order: readonly P[];
  /** Reads from one provider; must reject with an UpstreamError. */
  readonly read: (provider: P, signal: AbortSignal) => Promise<R>;
  /** How long to wait for `provider` before hedging to the next one. */
  readonly hedgeDelayMs: (provider: P, attempt: number) => number;
  readonly budget: HedgeBudget;
  readonly deadlineMs: number;
  /** Each provider's failure for this read (not withdrawals), for the 502 body. */
  readonly failures: Map<P, UpstreamError>;
}

export async function failover<P, R>(plan: FailoverPlan<P, R>): Promise<R> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(DEADLINE), plan.deadlineMs);
  let next = 0;
  const cursor = {
    take: (): P | undefined => plan.order[next++],
    hasNext: () => next < plan.order.length,
  };
  const worthRetrying = (error: unknown) =>
    error instanceof UpstreamError && error.retryable && cursor.hasNext() && !deadline.signal.aborted;
  const started = performance.now();
  try {
    // The first attempt runs outside p-retry: most reads succeed on it, and p-retry's setup showed
    // up as a visible share of a miss's CPU in profiles. p-retry takes over after a failure.
    try {
      return await hedgedAttempt(plan, cursor, 1, deadline.signal);
    } catch (error) {
      if (!worthRetrying(error)) throw error;
    }
    return await pRetry((attempt) => hedgedAttempt(plan, cursor, attempt + 1, deadline.signal), {
      retries: Math.max(0, plan.order.length - 2),
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      randomize: false,
      maxRetryTime: Math.max(1, plan.deadlineMs - (performance.now() - started)),
      shouldRetry: ({ error }) => worthRetrying(error),
    });
  } finally {
    clearTimeout(timer);
  }
}

interface Cursor<P> {
  take(): P | undefined;
  hasNext(): boolean;
}

function hedgedAttempt<P, R>(plan: FailoverPlan<P, R>, cursor: Cursor<P>, attempt: number, deadline: AbortSignal): Promise<R> {
  const primary = cursor.take();
  if (primary === undefined) return Promise.reject(new UpstreamError('unavailable', 'router', 'no provider left to try'));
  if (deadline.aborted) return Promise.reject(new UpstreamError('timeout', 'router', 'request deadline passed'));
  plan.budget.earn();
  return new Promise<R>((resolve, reject) => {
    const calls: AbortController[] = [];
    let live = 0;
    let settled = false;
    let hedgeTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      settled = true;
      if (hedgeTimer !== undefined) clearTimeout(hedgeTimer);
      deadline.removeEventListener('abort', onDeadline);
    };
    const onDeadline = () => {
      for (const c of calls) c.abort(DEADLINE);
    };
    deadline.addEventListener('abort', onDeadline, { once: true });

    const launch = (provider: P) => {
      const controller = new AbortController();
      calls.push(controller);
      live++;
      plan.read(provider, controller.signal).then(
        (value) => {
          live--;
          if (settled) return;
          finish();
          for (const c of calls) if (c !== controller) c.abort(HEDGE_LOST);
          resolve(value);
        },
        (error: unknown) => {
          live--;
          const e = error instanceof UpstreamError ? error : new UpstreamError('bad-response', 'router', String(error));
          if (e.kind !== 'cancelled') plan.failures.set(provider, e);
          if (settled) return;
          if (!e.retryable && e.kind !== 'cancelled') {
            // The request itself is wrong: no other provider will answer it differently.
            finish();
            for (const c of calls) if (c !== controller) c.abort(HEDGE_LOST);
            reject(e);
          } else if (live === 0) {
            finish();
            reject(e);
          }
        },
      );
    };

    launch(primary);
    if (cursor.hasNext()) {
      hedgeTimer = setTimeout(() => {
        hedgeTimer = undefined;
        if (settled || !cursor.hasNext() || !plan.budget.trySpend()) return;
        launch(cursor.take()!);
      }, plan.hedgeDelayMs(primary, attempt));
    }
  });
}
