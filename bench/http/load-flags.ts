/**
 * The flags the HTTP load harnesses share (bench:http, bench:networks): --rounds N --duration S (per
 * target and round) --slices N --connections C --tool wrk|autocannon --quick. Each script spreads
 * these into its own table, overriding a default or adding its own flags.
 */
export const LOAD_FLAGS = { rounds: 3, duration: 5, slices: 5, connections: 64, tool: null, quick: false } as const;

/** --quick: one round of 1 s in one slice, for a smoke run. */
export function quickened<F extends { quick: boolean; rounds: number; duration: number; slices: number }>(flags: F): F {
  return flags.quick ? { ...flags, rounds: 1, duration: 1, slices: 1 } : flags;
}
