/**
 * How long to wait before another round over the candidates, pure of I/O: exponential backoff with
 * full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"; eRPC's ComputeBackoff), a
 * small base because a round is tens of milliseconds against a provider a few ms away, and a cap so
 * the wait never dominates a request deadline of seconds. Full jitter spreads the retries of many
 * requests that failed together (one provider blip) instead of sending them back in one wave.
 */
export interface BackoffPolicy {
  /** Upper bound of the first round's wait (ms). */
  readonly baseMs: number;
  /** Upper bound of any wait (ms). */
  readonly capMs: number;
  readonly factor: number;
  /** A round needs at least this long after its wait to be worth starting (ms). */
  readonly minRoundMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 25, capMs: 250, factor: 2, minRoundMs: 50 });

/**
 * The wait before retry round `round` (1 = the first retry), given `random` in [0, 1) and the
 * milliseconds left before the request deadline; undefined when no round fits before it.
 */
export function backoffMs(round: number, random: number, remainingMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number | undefined {
  const room = remainingMs - policy.minRoundMs;
  if (!(room > 0)) return undefined;
  const ceiling = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.max(0, round - 1));
  const jittered = Math.floor(Math.min(Math.max(random, 0), 1) * ceiling);
  return Math.min(jittered, Math.floor(room));
}
