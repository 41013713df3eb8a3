/**
 * What the router says about its providers, as pure functions of their state at `now`: each one's
 * cause in a 502 (tried and failed, not reached, or why it was not asked), and the /providers
 * snapshot. Redaction of upstream messages is the caller's (ProviderCalls.redact).
 */
import type { ProviderHandle } from './provider.js';
import type { ProviderSnapshot } from './upstream.js';

/** The provider fields a report reads; a ProviderHandle is one. */
export type ReportedProvider = Pick<
  ProviderHandle,
  'name' | 'chainId' | 'lag' | 'lastError' | 'lastErrorKind' | 'state' | 'retryInMs' | 'coolingForMs' | 'untrustedForMs'
>;

export type SnapshotProvider = ReportedProvider &
  Pick<ProviderHandle, 'url' | 'latest' | 'latencyEwma' | 'p95' | 'effectiveLatency' | 'recent' | 'scoreAt' | 'requests' | 'errors' | 'lies'>;

/** One provider's entry in a 502 body. */
export interface Cause {
  readonly name: string;
  readonly kind: string;
  readonly error: string;
}

export interface ChainBar {
  readonly expectedChainId: number | undefined;
  readonly maxLag: number;
}

/** Why a provider was not asked for a read, from its state at `now`. */
export function whyNot(p: ReportedProvider, now: number, bar: ChainBar): Omit<Cause, 'name'> {
  const last = p.lastError === undefined ? '' : `: ${p.lastError}`;
  switch (p.state(now)) {
    case 'unknown':
      return { kind: p.lastErrorKind ?? 'unavailable', error: `chain id unknown${last}` };
    case 'wrong-chain':
      return { kind: 'wrong-chain', error: `on chain ${p.chainId}, expected ${bar.expectedChainId}` };
    case 'open':
      return { kind: p.lastErrorKind ?? 'unavailable', error: `circuit open for ${Math.ceil(p.retryInMs(now))} ms${last}` };
    case 'cooling':
      return { kind: 'rate-limited', error: `rate limited, cooling for ${Math.ceil(p.coolingForMs(now))} ms` };
    case 'lagging':
      return { kind: 'lagging', error: `${p.lag()} blocks behind the head (max ${bar.maxLag})` };
    case 'untrusted':
      return { kind: 'untrusted', error: `untrusted for ${Math.ceil(p.untrustedForMs(now))} ms${last}` };
    case 'healthy':
      return { kind: p.lastErrorKind ?? 'unavailable', error: `no recent head${last}` };
  }
}

export interface CausesOptions<P extends ReportedProvider> {
  readonly providers: readonly P[];
  /** What each asked provider failed with (message already redacted). */
  readonly failures: ReadonlyMap<P, Omit<Cause, 'name'>>;
  /** Providers the read meant to ask: one without a failure ran out of deadline. */
  readonly tried?: readonly P[];
  readonly now: number;
  readonly bar: ChainBar;
}

/** Every provider with its cause for this read, in configured order, tried or not. */
export function causesOf<P extends ReportedProvider>(options: CausesOptions<P>): Cause[] {
  const { failures, tried = [], now, bar } = options;
  return options.providers.map((p) => {
    const failure = failures.get(p);
    if (failure !== undefined) return { name: p.name, ...failure };
    if (tried.includes(p)) return { name: p.name, kind: 'unavailable', error: 'not reached before the request deadline' };
    return { name: p.name, ...whyNot(p, now, bar) };
  });
}

/** /providers: each provider's state, score (healthy ones only) and counters at `now`. */
export function snapshotOf(providers: readonly SnapshotProvider[], now: number): ProviderSnapshot[] {
  let best = Number.POSITIVE_INFINITY;
  for (const p of providers) best = Math.min(best, p.effectiveLatency(now) ?? Number.POSITIVE_INFINITY);
  if (best === Number.POSITIVE_INFINITY) best = 0;
  return providers.map((p) => {
    const state = p.state(now);
    const recent = p.recent(now);
    const latency = p.latencyEwma;
    const p95 = p.p95();
    return {
      name: p.name,
      url: p.url,
      chainId: p.chainId,
      head: p.latest?.numberHex,
      lag: p.lag(),
      score: state === 'healthy' ? round(p.scoreAt(now, best), 3) : 0,
      state,
      latencyMs: latency === undefined ? undefined : round(latency, 2),
      p95Ms: p95 === undefined ? undefined : round(p95, 2),
      requests: p.requests,
      errors: p.errors,
      recent: { ok: recent.ok, errors: recent.errors, rateLimited: recent.rateLimited },
      retryInMs: retryInMs(p, state, now),
      lies: p.lies,
      lastError: p.lastError,
    };
  });
}

/** When an open, cooling or untrusted provider is next asked. */
function retryInMs(p: ReportedProvider, state: ProviderSnapshot['state'], now: number): number | undefined {
  if (state === 'open') return Math.ceil(p.retryInMs(now));
  if (state === 'cooling') return Math.ceil(p.coolingForMs(now));
  if (state === 'untrusted') return Math.ceil(p.untrustedForMs(now));
  return undefined;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
