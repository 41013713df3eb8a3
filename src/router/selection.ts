/**
 * Which provider to ask first. Pure: scores in, order out, randomness injected.
 *
 * Best score first (ties keep configured order, so a quiet system is predictable). With probability
 * EXPLORATION_SHARE one other usable candidate goes first instead: scores only move when a provider
 * is asked, and a provider demoted for a slow spell must be re-measured to win traffic back. The
 * explored read is hedged on the best provider's delay, so exploring costs a client little.
 */
export const EXPLORATION_SHARE = 0.03;

export interface Ranked {
  readonly score: number;
}

export interface Ranking<T> {
  readonly order: T[];
  /** The first entry is an exploration pick, not the best score. */
  readonly explored: boolean;
}

/** Sorts `items` in place and returns it. */
export function rank<T extends Ranked>(items: T[], random: () => number, explore = EXPLORATION_SHARE): Ranking<T> {
  // Array.prototype.sort is stable: equal scores keep their input (configured) order.
  items.sort((a, b) => b.score - a.score);
  let others = 0;
  for (let i = 1; i < items.length; i++) if (items[i]!.score > 0) others++;
  if (others === 0 || random() >= explore) return { order: items, explored: false };
  const pick = 1 + Math.min(others - 1, Math.floor(random() * others));
  const [chosen] = items.splice(pick, 1);
  items.unshift(chosen!);
  return { order: items, explored: true };
}
