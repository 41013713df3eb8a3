/**
 * Keeps the service head at most maxAgeMs old while requests flow, and polls nothing when idle
 * (providers bill per call). A caller on the hot path asks `current()`, which never waits: it
 * answers with a head young enough to use, and refreshes ahead of expiry in the background. Only
 * when the head is too old does a caller wait, and concurrent waiters share one refresh.
 */
import type { Head } from './head.js';

export type Clock = () => number;

export class HeadTracker {
  private head: Head | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<Head> | undefined;

  constructor(
    private readonly fetchHead: () => Promise<Head>,
    private readonly maxAgeMs: number,
    private readonly clock: Clock = performance.now.bind(performance),
  ) {}

  /** The head when it is fresh enough to serve; starts a background refresh when it nears expiry. */
  current(now: number = this.clock()): Head | undefined {
    const age = now - this.fetchedAt;
    if (age > this.maxAgeMs) return undefined;
    if (age > this.maxAgeMs * 0.5 && this.refreshing === undefined) {
      this.refresh().catch(() => undefined);
    }
    return this.head;
  }

  /** A fresh head, waiting for a refresh if needed. */
  get(): Promise<Head> {
    const head = this.current();
    return head === undefined ? this.refresh() : Promise.resolve(head);
  }

  /** The last head seen, however old (for /readyz and metrics). */
  last(): { head: Head; ageMs: number } | undefined {
    return this.head === undefined ? undefined : { head: this.head, ageMs: this.clock() - this.fetchedAt };
  }

  refresh(): Promise<Head> {
    if (this.refreshing !== undefined) return this.refreshing;
    const started = this.clock();
    this.refreshing = this.fetchHead().then(
      (head) => {
        this.refreshing = undefined;
        // Never step back: a slower provider's older head must not replace a newer one.
        if (this.head === undefined || head.number >= this.head.number) this.head = head;
        this.fetchedAt = started;
        return this.head;
      },
      (error: unknown) => {
        this.refreshing = undefined;
        throw error;
      },
    );
    return this.refreshing;
  }
}
