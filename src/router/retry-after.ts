/**
 * Whether waiting for a provider can still help this request: each candidate is askable from some
 * moment (now, the end of a rate-limit cooldown it asked for with backoff_seconds or Retry-After,
 * the end of an open circuit's cooldown). When even the earliest of those comes after the request
 * deadline, holding the request would only end in the same 502 later: answer it at once, with a
 * Retry-After (whole seconds, never 0) from the earliest provider's back-off.
 */
export type BackoffVerdict = { readonly kind: 'ask'; readonly inMs: number } | { readonly kind: 'fail-fast'; readonly retryAfterSeconds: number };

/** `askableInMs`: per candidate, milliseconds until it may be asked (<= 0: now); `remainingMs`: before the deadline. */
export function backoffVerdict(askableInMs: readonly number[], remainingMs: number): BackoffVerdict {
  let earliest = Number.POSITIVE_INFINITY;
  for (const ms of askableInMs) if (ms < earliest) earliest = ms;
  if (earliest === Number.POSITIVE_INFINITY) return { kind: 'fail-fast', retryAfterSeconds: 1 };
  const inMs = Math.max(0, earliest);
  if (inMs < remainingMs) return { kind: 'ask', inMs };
  return { kind: 'fail-fast', retryAfterSeconds: Math.max(1, Math.ceil(inMs / 1000)) };
}

/** What askableInMs reads of a provider. */
export interface BackingOff {
  onExpectedChain(): boolean;
  untrustedForMs(now: number): number;
  coolingForMs(now: number): number;
}

/**
 * Per provider that could serve the network, milliseconds until it may be asked again: the rest of
 * a rate-limit back-off it asked for, else 0 (an open circuit is still asked as a last resort).
 * [0] when none could: there is no back-off to wait out, and the usual rules decide.
 */
export function askableInMs(providers: readonly BackingOff[], now: number): number[] {
  const waits: number[] = [];
  for (const p of providers) {
    if (p.onExpectedChain() && p.untrustedForMs(now) <= 0) waits.push(Math.max(0, p.coolingForMs(now)));
  }
  return waits.length === 0 ? [0] : waits;
}

/** Whole seconds until the earliest back-off ends, when every provider is backing off; else undefined. */
export function retryAfterSeconds(askable: readonly number[]): number | undefined {
  const earliest = Math.min(...askable);
  return earliest > 0 ? Math.max(1, Math.ceil(earliest / 1000)) : undefined;
}
