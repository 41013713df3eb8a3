/**
 * Withdrawing a call nobody waits for any more: the loser of a hedge, or every call when the
 * request deadline passes. AbortSignal does this job, but an AbortController with a listener added
 * and removed costs ~10 us on this machine and a miss used several; `npm run bench`
 * (bench/cancel.bench.ts) measures the same pattern at 12 us with AbortController, 0.2 us with this.
 */
export class Cancel {
  /** Why it was cancelled; undefined while it is not. */
  reason: string | undefined = undefined;
  private listeners: (() => void)[] | undefined = undefined;

  get cancelled(): boolean {
    return this.reason !== undefined;
  }

  /** Calls `listener` once when cancelled (at once if it already is); returns its removal. */
  onCancel(listener: () => void): () => void {
    if (this.reason !== undefined) {
      listener();
      return noop;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const listeners = this.listeners;
      const at = listeners === undefined ? -1 : listeners.indexOf(listener);
      if (at >= 0) listeners!.splice(at, 1);
    };
  }

  /** Cancels with `reason` and runs the listeners; later calls change nothing. */
  cancel(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }
}

const noop = () => {};
