/**
 * The networks one deployment serves, each with its own router (scores, breakers, heads, hedge
 * delays) and its reader over the one shared cache. The first is the default network: a request
 * that names none reads it, through exactly the path a one-network deployment has.
 *
 * `pick` turns `?network=` or a batch body's `"network"` into one of them (chain/network-param.ts:
 * a Map lookup); `refusal` is what a network cannot serve however it is asked (a tag its nodes do
 * not answer, a verified read without Merkle-Patricia state): 400s naming the network, not 502s.
 */
import type { BlockTag } from '../chain/block-tag.js';
import type { NetworkFacts } from '../chain/chain-facts.js';
import { NetworkIndex, type NetworkPick } from '../chain/network-param.js';
import type { ErrorCode } from '../errors.js';
import type { Upstream } from '../router/upstream.js';
import type { BalanceReader } from './balance-reader.js';

export interface ServedNetwork {
  /** Canonical name (what bodies say); for an unconfigured lone network, named from its chain id once known. */
  readonly name: string;
  readonly chainId: number;
  readonly facts: Pick<NetworkFacts, 'safe' | 'stateProofs'>;
  readonly router: Upstream;
  readonly reader: BalanceReader;
  /** HEAD_MAX_AGE_MS as paced for this chain's block time: about a block (the watch polls at it). */
  readonly headMaxAgeMs: number;
}

export interface NetworkRefusal {
  readonly code: Extract<ErrorCode, 'INVALID_BLOCK_TAG' | 'VERIFY_UNSUPPORTED'>;
  readonly detail: string;
}

/** Why `network` cannot serve a read at `tag` (verified or not); undefined: it can. Pure. */
export function networkRefusal(network: Pick<ServedNetwork, 'name' | 'facts'>, tag: BlockTag | undefined, verify: boolean): NetworkRefusal | undefined {
  if (tag?.kind === 'safe' && !network.facts.safe) {
    return { code: 'INVALID_BLOCK_TAG', detail: `network ${network.name} does not serve the safe tag: use finalized, latest, a block number or a block hash` };
  }
  if (verify && !network.facts.stateProofs) {
    return { code: 'VERIFY_UNSUPPORTED', detail: `network ${network.name} has no Merkle-Patricia state proofs: ask with verify=false` };
  }
  return undefined;
}

export class Networks {
  private index: NetworkIndex<ServedNetwork>;

  /**
   * `networks[0]` is the default. `named`: false for a lone network configured without NETWORKS
   * whose chain id was not known at start: its names are learnt on the first lookup that misses.
   */
  constructor(
    readonly all: readonly ServedNetwork[],
    private named = true,
  ) {
    this.index = new NetworkIndex(all);
  }

  get default(): ServedNetwork {
    return this.all[0]!;
  }

  /** The configured names, default first (what UNKNOWN_NETWORK lists). */
  get names(): readonly string[] {
    return this.learnNames() ? this.index.names : [];
  }

  /** A network by name, chain id or decimal chain id; undefined when not served here. */
  resolve(ref: string | number): ServedNetwork | undefined {
    const pick = this.pick(ref);
    return pick.ok ? pick.network : undefined;
  }

  /** `?network=` (undefined: absent, the default network). */
  fromQuery(value: string | undefined): NetworkPick<ServedNetwork> {
    return value === undefined || this.learnNames() ? this.index.fromQuery(value) : NOT_KNOWN_YET;
  }

  /** A batch body's `"network"` (undefined: absent): a name, a decimal string or a JSON number. */
  pick(value: unknown): NetworkPick<ServedNetwork> {
    return value === undefined || this.learnNames() ? this.index.fromJson(value) : NOT_KNOWN_YET;
  }

  /** Whether the names are known: the lone unconfigured network is named once its router knows the chain. */
  private learnNames(): boolean {
    if (this.named) return true;
    if (this.default.router.chainId() === undefined) return false;
    this.named = true;
    this.index = new NetworkIndex(this.all);
    return true;
  }
}

const NOT_KNOWN_YET: NetworkPick<ServedNetwork> = Object.freeze({
  ok: false,
  detail: 'no provider has told the chain id of the network served here yet: leave network out to read the default network',
});
