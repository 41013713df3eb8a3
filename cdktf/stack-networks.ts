// NETWORKS at synth: the networks the task serves, passed on as plain environment (names are not
// secret), and one ECS secret per network for its provider URLs (RPC_URLS_<NAME>, which embed keys),
// read from SSM SecureString like every other provider secret. Names and variables come from the
// service's own network table, so the stack cannot spell one differently from the config.
import { KNOWN_NETWORKS, parseNetworkRef, rpcUrlsVariable } from '../src/chain/networks.js';
import { optional, type Env } from './stack-config.js';

export interface StackNetworks {
  /** Canonical names, the default first; undefined: NETWORKS unset (one network, EXPECTED_CHAIN_ID). */
  readonly names: readonly string[] | undefined;
  /** RPC_URLS_<NAME> per network: the task's secrets for them. */
  readonly secretNames: readonly string[];
}

export function loadStackNetworks(env: Env): StackNetworks {
  const raw = optional(env, 'NETWORKS');
  if (raw === undefined) return Object.freeze({ names: undefined, secretNames: Object.freeze([]) });
  if (optional(env, 'EXPECTED_CHAIN_ID') !== undefined) {
    throw new Error('EXPECTED_CHAIN_ID applies only without NETWORKS: with NETWORKS each network is checked against its own chain id');
  }
  const names = raw
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const ref = parseNetworkRef(entry);
      if (ref === undefined) {
        const known = KNOWN_NETWORKS.map((n) => n.name).join(', ');
        throw new Error(`NETWORKS must list network names (${known}), chain-<id> or decimal chain ids, got "${entry}"`);
      }
      return ref.name;
    });
  if (names.length === 0) throw new Error('NETWORKS must list at least one network');
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`NETWORKS lists ${repeated} twice`);
  return Object.freeze({ names: Object.freeze(names), secretNames: Object.freeze(names.map((name) => rpcUrlsVariable(name))) });
}
