/**
 * A metric read from a module's own counters at scrape time, so nothing is recorded per request
 * beyond a field increment. prom-client's registry only needs `name` and `get()` of it.
 */
import type { Registry } from 'prom-client';

export interface Sample {
  readonly value: number;
  readonly labels?: Record<string, string>;
}

class Collected {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly read: () => Sample[],
  ) {}

  get() {
    return { name: this.name, help: this.help, type: this.type, values: this.read(), aggregator: 'sum' as const };
  }

  reset(): void {}
}

/** Registers `name` on `registry`, its samples read by `read` at each scrape. */
export function registerCollected(registry: Registry, name: string, help: string, type: 'counter' | 'gauge', read: () => Sample[]): void {
  registry.registerMetric(new Collected(name, help, type, read) as never);
}
