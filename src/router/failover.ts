/**
 * Failover and hedging for one read, over candidates already ranked best first.
 *
 * A plain loop drives the attempts: each attempt asks the next untried provider, with no pause
 * between attempts (another provider is not busy because this one was), and the loop stops when
 * the error is not worth retrying, when the candidates run out, or when the request deadline
 * passes. Inside an attempt, if the provider has not answered within its hedge delay and the budget
 * allows, the next candidate is asked too; the first answer wins and the other call is withdrawn
 * (cancel reason HEDGE_LOST).
 *
 * Worth retrying is decided by the error's class alone: an UpstreamError that is `retryable` (a
 * timeout, connection error, 5xx, 429, garbage: another provider may answer) moves on; an invalid
 * request fails the same everywhere and stops; anything that is not an UpstreamError is our own bug
 * and stops at once, never tried on the next provider and never blamed on this one.
 *
 * A batch read (router/batch-read.ts) runs one failover per chunk under one deadline for the whole
 * batch (`deadline`), so its chunks are hedged like single reads and none outlives the request.
 */
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
  /** A deadline already running (a batch's, shared by its chunks): used instead of `deadlineMs`. */
  readonly deadline?: Cancel;
  /** Each provider's failure for this read (not withdrawals), for the 502 body. */
  readonly failures: Map<P, UpstreamError>;
}

export async function failover<P, R>(plan: FailoverPlan<P, R>): Promise<R> {
  const deadline = plan.deadline ?? new Cancel();
  const timer = plan.deadline === undefined ? setTimeout(() => deadline.cancel(DEADLINE), plan.deadlineMs) : undefined;
  let next = 0;
  const cursor = {
    take: (): P | undefined => plan.order[next++],
    hasNext: () => next < plan.order.length,
  };
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await hedgedAttempt(plan, cursor, attempt, deadline);
      } catch (error) {
        if (!(isRetryable(error) && cursor.hasNext() && !deadline.cancelled)) throw error;
      }
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Another provider may answer: a retryable UpstreamError. Our own bugs (anything else) are not. */
export function isRetryable(error: unknown): boolean {
  return error instanceof UpstreamError && error.retryable;
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
          if (!(error instanceof UpstreamError)) {
            // Our own bug: stop this read (withdrawing any hedge) and let it surface as itself.
            if (settled) return;
            finish();
            for (const c of calls) if (c !== call) c.cancel(HEDGE_LOST);
            reject(error);
            return;
          }
          const e = error;
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
