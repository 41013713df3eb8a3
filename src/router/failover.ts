/**
 * Failover and hedging for one read, over candidates already ranked best first.
 *
 * p-retry drives the attempts: each attempt asks the next untried provider, with no pause between
 * attempts (another provider is not busy because this one was), and stops when the error is not
 * worth retrying (an invalid request fails the same everywhere), when the candidates run out, or
 * when the request deadline passes. Inside an attempt, if the provider has not answered within its
 * hedge delay and the budget allows, the next candidate is asked too; the first answer wins and the
 * other call is withdrawn (cancel reason HEDGE_LOST).
 */
import pRetry from 'p-retry';
import { Cancel } from '../chain/cancel.js';
import { UpstreamError } from '../chain/upstream-error.js';
import type { HedgeBudget } from './hedge.js';

/** Cancel reasons, so a withdrawn call knows why (reported as 'hedge' or as a timeout). */
export const HEDGE_LOST = 'hedge-lost';
export const DEADLINE = 'deadline';

export interface FailoverPlan<P, R> {
  /** Candidates, best first. */
  readonly order: readonly P[];
  /** Reads from one provider; must reject with an UpstreamError. */
  readonly read: (provider: P, cancel: Cancel) => Promise<R>;
  /** How long to wait for `provider` before hedging to the next one. */
  readonly hedgeDelayMs: (provider: P, attempt: number) => number;
  readonly budget: HedgeBudget;
  readonly deadlineMs: number;
  /** Each provider's failure for this read (not withdrawals), for the 502 body. */
  readonly failures: Map<P, UpstreamError>;
}

export async function failover<P, R>(plan: FailoverPlan<P, R>): Promise<R> {
  const deadline = new Cancel();
  const timer = setTimeout(() => deadline.cancel(DEADLINE), plan.deadlineMs);
  let next = 0;
  const cursor = {
    take: (): P | undefined => plan.order[next++],
    hasNext: () => next < plan.order.length,
  };
  const worthRetrying = (error: unknown) =>
    error instanceof UpstreamError && error.retryable && cursor.hasNext() && !deadline.cancelled;
  const started = performance.now();
  try {
    // The first attempt runs outside p-retry: most reads succeed on it, and p-retry's setup showed
    // up as a visible share of a miss's CPU in profiles. p-retry takes over after a failure.
    try {
      return await hedgedAttempt(plan, cursor, 1, deadline);
    } catch (error) {
      if (!worthRetrying(error)) throw error;
    }
    return await pRetry((attempt) => hedgedAttempt(plan, cursor, attempt + 1, deadline), {
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

function hedgedAttempt<P, R>(plan: FailoverPlan<P, R>, cursor: Cursor<P>, attempt: number, deadline: Cancel): Promise<R> {
  const primary = cursor.take();
  if (primary === undefined) return Promise.reject(new UpstreamError('unavailable', 'router', 'no provider left to try'));
  if (deadline.cancelled) return Promise.reject(new UpstreamError('timeout', 'router', 'request deadline passed'));
  plan.budget.earn();
  return new Promise<R>((resolve, reject) => {
    const calls: Cancel[] = [];
    let live = 0;
    let settled = false;
    let hedgeTimer: NodeJS.Timeout | undefined;

    const forgetDeadline = deadline.onCancel(() => {
      for (const c of calls) c.cancel(DEADLINE);
    });
    const finish = () => {
      settled = true;
      if (hedgeTimer !== undefined) clearTimeout(hedgeTimer);
      forgetDeadline();
    };

    const launch = (provider: P) => {
      const call = new Cancel();
      calls.push(call);
      live++;
      plan.read(provider, call).then(
        (value) => {
          live--;
          if (settled) return;
          finish();
          for (const c of calls) if (c !== call) c.cancel(HEDGE_LOST);
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
            for (const c of calls) if (c !== call) c.cancel(HEDGE_LOST);
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
