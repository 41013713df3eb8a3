/**
 * Every upstream call the router makes goes through `invoke`: it records the outcome on the
 * provider (latency, errors, breaker, cooling), logs state transitions once, and reports the call to
 * the observer (metrics), so head polls, probes, reads and hedges all feed the same numbers.
 *
 * Only an UpstreamError is the provider's failure (rpc-client.ts classifies every transport and
 * reply failure into one). Anything else thrown here (a TypeError in a parser or an observer) is
 * our own bug: it passes through untouched, and the provider's score, breaker and error counts
 * never hear of it.
 */
import { parseQuantity } from '../chain/head.js';
import type { Cancel } from '../chain/cancel.js';
import { UpstreamError } from '../chain/upstream-error.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { redactText } from '../observability/redact.js';
import { DEADLINE, HEDGE_LOST } from './failover.js';
import type { Transition } from './provider-health.js';
import type { ProviderHandle } from './provider.js';
import type { CallObserver } from './upstream.js';

export interface CallOptions {
  /** Withdraws the call (hedge lost, deadline passed). */
  readonly cancel?: Cancel | undefined;
  /** Sent while the provider's circuit is open because none is closed; a success closes it. */
  readonly lastResort?: boolean;
  /** The request the call serves, for its log lines (none for background polls). */
  readonly requestId?: string | undefined;
  /** A head poll's call asked again after its failure: a failure counts, but not on the breaker again. */
  readonly again?: boolean | undefined;
}

export class ProviderCalls {
  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly onCall: CallObserver | undefined,
  ) {}

  /** One upstream call; resolves with the parsed result or rejects with an UpstreamError. */
  async invoke<T>(
    p: ProviderHandle,
    method: string,
    params: readonly unknown[],
    parse: (result: unknown) => T | undefined,
    options: CallOptions = {},
  ): Promise<{ value: T; latencyMs: number }> {
    const { cancel, lastResort = false, requestId } = options;
    const started = this.clock();
    p.callStarted(started);
    let error: UpstreamError;
    let ended = false;
    try {
      const { result, latencyMs } = await p.client.call(method, params, cancel);
      const value = parse(result);
      if (value === undefined) throw new UpstreamError('bad-response', p.name, `malformed ${method} result`);
      p.callEnded(started);
      ended = true;
      this.transition(p, p.answered(latencyMs, this.clock(), lastResort), requestId);
      this.onCall?.(p.name, method, 'ok', latencyMs);
      return { value, latencyMs };
    } catch (caught) {
      if (!ended) p.callEnded(started);
      if (!(caught instanceof UpstreamError) || ended) throw caught;
      error = caught;
    }
    throw this.failed(p, method, error, started, { cancel, requestId, again: options.again });
  }

  /**
   * Books a call (or a whole batch request of `calls` calls) that failed with `error` and returns
   * what to reject with: a withdrawn loser of a hedge is a latency sample, not a failure; one
   * withdrawn at the deadline is a timeout.
   */
  private failed(p: ProviderHandle, method: string, error: UpstreamError, started: number, options: CallOptions & { calls?: number }): UpstreamError {
    const { cancel, requestId, calls, again } = options;
    const now = this.clock();
    const elapsed = now - started;
    if (error.kind === 'cancelled' && cancel?.reason !== DEADLINE) {
      p.outpaced(elapsed);
      this.onCall?.(p.name, method, cancel?.reason === HEDGE_LOST ? 'hedge' : 'cancelled', elapsed, calls);
      return error;
    }
    const booked =
      error.kind === 'cancelled' ? new UpstreamError('timeout', p.name, `no answer within the ${this.config.requestDeadlineMs} ms request deadline`) : error;
    const message = this.redact(booked.message);
    // A retry's failure is counted (metrics) but not held against the breaker a second time; a rate limit still cools.
    if (again !== true || booked.kind === 'rate-limited') this.transition(p, p.failed(booked, message, elapsed, now), requestId);
    this.onCall?.(p.name, method, booked.kind, elapsed, calls);
    return booked;
  }

  /**
   * Many calls of one method in one HTTP request (a batch read's chunk), booked per request: one
   * latency sample and one success for the round trip instead of one per call (100 identical
   * samples would only push the same number into the EWMA 100 times), and one failure when the
   * request as a whole failed. A call answered with an error, or with a malformed result, is booked
   * as `invoke` books it. The observer hears of the answered calls once, with their count (the call
   * metrics count calls; one histogram sample and one span per round trip).
   * Resolves with each call's parsed value or UpstreamError, in order; rejects with an
   * UpstreamError when the request failed.
   */
  async invokeBatch<T>(
    p: ProviderHandle,
    method: string,
    paramsList: readonly (readonly unknown[])[],
    parse: (result: unknown) => T | undefined,
    options: CallOptions = {},
  ): Promise<{ values: (T | UpstreamError)[]; latencyMs: number }> {
    const { lastResort = false, requestId, cancel } = options;
    const started = this.clock();
    p.callStarted(started, paramsList.length);
    let results: readonly unknown[];
    let latencyMs: number;
    try {
      ({ results, latencyMs } = await p.client.callBatch(method, paramsList, cancel));
    } catch (caught) {
      p.callEnded(started);
      if (!(caught instanceof UpstreamError)) throw caught;
      throw this.failed(p, method, caught, started, { cancel, requestId, calls: paramsList.length });
    }
    p.callEnded(started);
    const values = new Array<T | UpstreamError>(results.length);
    let failed: number[] | undefined;
    for (let i = 0; i < results.length; i++) {
      const result = results[i];
      const value = result instanceof UpstreamError ? undefined : parse(result);
      if (value === undefined) (failed ??= []).push(i);
      else values[i] = value;
    }
    const ok = results.length - (failed?.length ?? 0);
    if (ok > 0) this.onCall?.(p.name, method, 'ok', latencyMs, ok);
    // The round trip first: failed calls inside an answered request are booked after it.
    if (failed === undefined || failed.length < results.length) this.transition(p, p.answered(latencyMs, this.clock(), lastResort), requestId);
    for (const i of failed ?? []) {
      const result = results[i];
      const error = result instanceof UpstreamError ? result : new UpstreamError('bad-response', p.name, `malformed ${method} result`);
      values[i] = error;
      this.transition(p, p.failed(error, this.redact(error.message), latencyMs, this.clock()), requestId);
      this.onCall?.(p.name, method, error.kind, latencyMs);
    }
    return { values, latencyMs };
  }

  redact(text: string): string {
    return redactText(text, this.config.secrets);
  }

  /** Logs a provider's change of state once, with the id of the request whose call caused it. */
  private transition(p: ProviderHandle, change: Transition, reqId: string | undefined): void {
    if (change === undefined) return;
    const now = this.clock();
    if (change === 'opened') {
      this.log.warn(
        { reqId, provider: p.name, err: p.lastError, retryInMs: Math.round(p.retryInMs(now)) },
        'provider failing: circuit open, reads go elsewhere',
      );
    } else if (change === 'cooling') {
      this.log.warn({ reqId, provider: p.name, err: p.lastError, retryInMs: Math.round(p.coolingForMs(now)) }, 'provider rate-limited us: cooling');
    } else {
      this.log.info({ reqId, provider: p.name, latencyMs: Math.round(p.latencyEwma ?? 0) }, 'provider answered its probe: circuit closed');
    }
  }
}

export function parseChainId(result: unknown): number | undefined {
  const id = parseQuantity(result);
  return id === undefined || id > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(id);
}
