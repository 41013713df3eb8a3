/**
 * NETWORKS and where each network's providers come from. Pure: config.ts turns the variables named
 * here into providers.
 *
 * - `NETWORKS`: comma-separated names (chain/networks.ts), `chain-<id>` or decimal chain ids; the
 *   first is the default network. Unset: one network, named from its providers' chain id.
 * - Providers: `RPC_URLS_<NAME>` (or `RPC_URLS_<chain id>`) per network, `RPC_URLS` and
 *   `INFURA_URL` for the default one, and each `INFURA_PROJECT_ID(S)` on every network Infura serves.
 *   `INFURA_NETWORK` picks Infura's network only without NETWORKS.
 */
import { KNOWN_NETWORKS, knownByChainId, parseNetworkRef, rpcUrlsVariable } from '../chain/networks.js';
import { ConfigError } from './config-error.js';
import { list, number, raw, type Env, type NumberRule } from './env-parsers.js';

/** Where one network's providers come from. */
export interface ProviderSources {
  /** Variables holding RPC URL lists, after RPC_URLS for the default network. */
  readonly rpcVariables: readonly string[];
  /** Infura's subdomain for INFURA_PROJECT_ID(S); undefined: Infura does not serve it. */
  readonly infura: string | undefined;
  /** The default network: RPC_URLS and INFURA_URL are its. */
  readonly isDefault: boolean;
}

export interface NetworkSelection extends ProviderSources {
  readonly name: string;
  readonly chainId: number;
}

const INFURA_DEFAULT = 'mainnet';
const INFURA_NETWORK = /^[a-z0-9-]+$/;

/** EXPECTED_CHAIN_ID's rule, with NETWORKS (checked against the default network) or without. */
export const CHAIN_ID: NumberRule = { integer: true, min: 1, what: 'a positive integer chain id' };

/** Today's single network: RPC_URLS, INFURA_URL and Infura on INFURA_NETWORK (default mainnet). */
export function singleNetworkSources(env: Env): ProviderSources {
  const infura = raw(env, 'INFURA_NETWORK') ?? INFURA_DEFAULT;
  if (!INFURA_NETWORK.test(infura)) {
    throw new ConfigError(`INFURA_NETWORK must be an Infura network name like "mainnet", got "${infura}"`);
  }
  return { rpcVariables: [], infura, isDefault: true };
}

/** The networks NETWORKS lists, the default first; undefined when NETWORKS is unset. */
export function networkSelections(env: Env): NetworkSelection[] | undefined {
  if (raw(env, 'NETWORKS') === undefined) return undefined;
  if (raw(env, 'INFURA_NETWORK') !== undefined) {
    throw new ConfigError('INFURA_NETWORK applies only without NETWORKS: remove it (with NETWORKS, Infura serves each listed network it has)');
  }
  const entries = list(env, 'NETWORKS');
  if (entries.length === 0) throw new ConfigError('NETWORKS must list at least one network name or chain id');
  const seen = new Map<number, number>();
  const selections = entries.map((entry, i): NetworkSelection => {
    const ref = parseNetworkRef(entry.toLowerCase());
    if (ref === undefined) {
      const names = KNOWN_NETWORKS.map((n) => n.name).join(', ');
      throw new ConfigError(`NETWORKS entry ${i + 1} must be a network name (${names}), chain-<id> or a decimal chain id, got ${quote(entry)}`);
    }
    const earlier = seen.get(ref.chainId);
    if (earlier !== undefined) throw new ConfigError(`NETWORKS entry ${i + 1} repeats entry ${earlier} (${ref.name}, chain id ${ref.chainId})`);
    seen.set(ref.chainId, i + 1);
    const own = [...new Set([rpcUrlsVariable(ref.name), rpcUrlsVariable(ref.chainId)])];
    return {
      ...ref,
      rpcVariables: own,
      infura: knownByChainId(ref.chainId)?.infura,
      isDefault: i === 0,
    };
  });
  refuseStrayVariables(env, selections);
  const expected = number(env, 'EXPECTED_CHAIN_ID', undefined, CHAIN_ID);
  if (expected !== undefined && expected !== selections[0]!.chainId) {
    throw new ConfigError(
      `EXPECTED_CHAIN_ID (${quote(raw(env, 'EXPECTED_CHAIN_ID')!)}) differs from the chain id of the default network ${selections[0]!.name} (${selections[0]!.chainId}): with NETWORKS, leave it unset`,
    );
  }
  return selections;
}

/** An RPC_URLS_<X> no configured network reads is a typo or a network left out of NETWORKS: say which. */
function refuseStrayVariables(env: Env, selections: readonly NetworkSelection[]): void {
  const read = new Set(selections.flatMap((s) => s.rpcVariables));
  for (const name of Object.keys(env)) {
    if (!name.startsWith('RPC_URLS_') || read.has(name) || raw(env, name) === undefined) continue;
    const expected = selections.map((s) => rpcUrlsVariable(s.name));
    throw new ConfigError(
      `${name} is set but no network in NETWORKS (${selections.map((s) => s.name).join(', ')}) reads it: add its network to NETWORKS or use one of ${expected.join(', ')}`,
    );
  }
}

/** The value quoted for a message, cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 70 ? `${value.slice(0, 70)}...` : value);
}
