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
