/**
 * Which block hash a verified read may trust for a block number. Pure.
 *
 * A header proves itself only against a hash; the hash itself is taken on the word of providers.
 * So a hash is agreed when at least `needed` usable providers report it for the number. By default
 * `needed` is a majority of the usable providers (1 when there is only one); VERIFY_QUORUM fixes
 * it. Usable providers that did not answer still count in the majority's base: a quorum must not
 * shrink because a provider went quiet. If two hashes both reach a configured low quorum, nothing is
 * agreed: a split is no quorum.
 */

export interface HashVote {
  readonly provider: string;
  /** Block hash the provider reported for the number (lowercase), or undefined: no usable answer. */
  readonly hash: string | undefined;
}

export type Quorum =
  | { readonly agreed: true; readonly hash: string; readonly votes: number; readonly needed: number; readonly providers: readonly string[] }
  | { readonly agreed: false; readonly needed: number; readonly best: number; readonly reason: string };

/** Votes needed among `usable` providers; `configured` (VERIFY_QUORUM) wins when set. */
export function quorumNeeded(usable: number, configured?: number): number {
  if (configured !== undefined) return configured;
  return usable <= 1 ? 1 : Math.floor(usable / 2) + 1;
}

/** The agreed hash among `votes` (one per usable provider), or why there is none. */
export function agreeOnHash(votes: readonly HashVote[], configured?: number): Quorum {
  const needed = quorumNeeded(votes.length, configured);
  const tally = new Map<string, string[]>();
  for (const v of votes) {
    if (v.hash === undefined) continue;
    const list = tally.get(v.hash);
    if (list === undefined) tally.set(v.hash, [v.provider]);
    else list.push(v.provider);
  }
  const reaching = [...tally.entries()].filter(([, providers]) => providers.length >= needed);
  const best = Math.max(0, ...[...tally.values()].map((p) => p.length));
  if (reaching.length === 1) {
    const [hash, providers] = reaching[0]!;
    return { agreed: true, hash, votes: providers.length, needed, providers };
  }
  if (reaching.length > 1) return { agreed: false, needed, best, reason: `${reaching.length} different hashes each have ${needed} or more votes` };
  const answered = votes.filter((v) => v.hash !== undefined).length;
  return {
    agreed: false,
    needed,
    best,
    reason: `${best} of ${votes.length} usable providers agree on one hash (${answered} answered), ${needed} needed`,
  };
}
