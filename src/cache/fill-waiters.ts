/**
 * Tasks waiting for another task's fill of a shared entry, by entry key. The filler publishes
 * `<entry>\n<encoded value>` (or `<entry>\n` when its read failed); every waiter on that entry
 * gets the value part, or undefined when it gave up or the cache closed.
 */
export type Waiter = (raw: string | undefined) => void;

export class FillWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();

  listen(entry: string, waiter: Waiter): void {
    let set = this.waiters.get(entry);
    if (set === undefined) this.waiters.set(entry, (set = new Set()));
    set.add(waiter);
  }

  unlisten(entry: string, waiter: Waiter): void {
    const set = this.waiters.get(entry);
    if (set === undefined) return;
    set.delete(waiter);
    if (set.size === 0) this.waiters.delete(entry);
  }

  /** A message on the fills channel. */
  deliver(message: string): void {
    const newline = message.indexOf('\n');
    if (newline < 0) return;
    const set = this.waiters.get(message.slice(0, newline));
    if (set === undefined) return;
    const raw = message.slice(newline + 1);
    for (const waiter of set) waiter(raw);
  }

  /**
   * Starts listening for `entry` now, before the caller asks Redis (the filler's message may arrive
   * before the claim's reply is handled). `wait()`: the message, or undefined after `waitMs`; it
   * stops listening when it ends. `stop()`: stop listening without waiting.
   */
  expect(entry: string, waitMs: number): { wait(): Promise<string | undefined>; stop(): void } {
    let handed: string | undefined | null = null;
    let wake: Waiter | undefined;
    const listener: Waiter = (raw) => {
      handed = raw;
      wake?.(raw);
    };
    this.listen(entry, listener);
    const stop = () => this.unlisten(entry, listener);
    const wait = () =>
      new Promise<string | undefined>((resolve) => {
        if (handed !== null) return resolve(handed);
        const timer = setTimeout(() => resolve(undefined), waitMs);
        wake = (m) => {
          clearTimeout(timer);
          resolve(m);
        };
      }).finally(stop);
    return { wait, stop };
  }

  /** Wakes every waiter empty-handed (the cache is closing). */
  clear(): void {
    for (const set of this.waiters.values()) for (const waiter of set) waiter(undefined);
    this.waiters.clear();
  }
}
