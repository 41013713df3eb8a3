/**
 * Every upstream call the router makes goes through `invoke`: it records the outcome on the
 * provider (latency, errors, breaker, cooling), logs state transitions once, and reports the call to
 * the observer (metrics), so head polls, probes, reads and hedges all feed the same numbers.
 */
import { parseQuantity } from '../chain/head.js';
import { UpstreamError } from '../chain/upstream-error.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { redactText } from '../observability/redact.js';
import { DEADLINE, HEDGE_LOST } from './failover.js';
import type { ProviderHandle, Transition } from './provider.js';
import type { CallObserver } from './upstream.js';

export class ProviderCalls {
  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly onCall: CallObserver | undefined,
  ) {}

  /**
   * One upstream call; resolves with the parsed result or rejects with an UpstreamError.
   * `lastResort`: sent while the provider's circuit is open because none is closed; a success
   * closes it.
   */
  async invoke<T>(
    p: ProviderHandle,
    method: string,
    params: readonly unknown[],
    parse: (result: unknown) => T | undefined,
    signal?: AbortSignal,
    lastResort = false,
  ): Promise<{ value: T; latencyMs: number }> {
    const started = this.clock();
    p.begin(started);
    let error: UpstreamError;
    try {
      const { result, latencyMs } = await p.client.call(method, params, signal);
      const value = parse(result);
      if (value === undefined) throw new UpstreamError('bad-response', p.name, `malformed ${method} result`);
      p.end(started);
      this.transition(p, p.ok(latencyMs, this.clock(), lastResort));
      this.onCall?.(p.name, method, 'ok', latencyMs);
      return { value, latencyMs };
    } catch (caught) {
      error = caught instanceof UpstreamError ? caught : new UpstreamError('bad-response', p.name, String(caught));
    }
    p.end(started);
    const now = this.clock();
    const elapsed = now - started;
    if (error.kind === 'cancelled' && signal?.reason !== DEADLINE) {
      // Withdrawn because another provider answered first: a latency sample, not a failure.
      p.outpaced(elapsed);
      this.onCall?.(p.name, method, signal?.reason === HEDGE_LOST ? 'hedge' : 'cancelled', elapsed);
      throw error;
    }
    if (error.kind === 'cancelled') {
      error = new UpstreamError('timeout', p.name, `no answer within the ${this.config.requestDeadlineMs} ms request deadline`);
    }
    this.transition(p, p.failed(error, this.redact(error.message), elapsed, now));
    this.onCall?.(p.name, method, error.kind, elapsed);
    throw error;
  }

  redact(text: string): string {
    return redactText(text, this.config.secrets);
  }

  private transition(p: ProviderHandle, change: Transition): void {
    if (change === undefined) return;
    const now = this.clock();
    if (change === 'opened') {
      this.log.warn(
        { provider: p.name, err: p.lastError, retryInMs: Math.round(p.breaker.retryInMs(now)) },
        'provider failing: circuit open, reads go elsewhere',
      );
    } else if (change === 'cooling') {
      this.log.warn({ provider: p.name, err: p.lastError, retryInMs: Math.round(p.coolUntil - now) }, 'provider rate-limited us: cooling');
    } else {
      this.log.info({ provider: p.name, latencyMs: Math.round(p.latencyEwma ?? 0) }, 'provider answered its probe: circuit closed');
    }
  }
}

export function parseChainId(result: unknown): number | undefined {
  const id = parseQuantity(result);
  return id === undefined || id > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(id);
}
