/**
 * The networks GET /watch serves: every network of the deployment (balance/served-networks.ts),
 * named as the `network` field of HTTP bodies. A subscribe names one by name, decimal chain id
 * (string or number), or not at all (the default network). One WatchNetwork per served network,
 * made once, so all its subscriptions share one block round.
 */
import { networkRefusal, type Networks, type ServedNetwork } from '../balance/served-networks.js';
import type { WatchNetwork } from './network-watch.js';

export function watchNetworks(networks: Networks): {
  resolveNetwork: (ref: string | number | undefined) => WatchNetwork | undefined;
  networkNames: () => readonly string[];
} {
  const made = new Map<ServedNetwork, WatchNetwork>();
  const watchOf = (served: ServedNetwork): WatchNetwork | undefined => {
    const known = made.get(served);
    if (known !== undefined) return known;
    // The lone network configured without a chain id is named once a provider has said it.
    if (served.router.chainId() === undefined) return undefined;
    const { router } = served;
    const network: WatchNetwork = Object.freeze({
      name: served.name,
      chainId: served.chainId,
      reader: served.reader,
      head: () => router.head(),
      resolveBlock: (tag, requestId) => router.resolveBlock(tag, requestId),
      refusal: (tag) => networkRefusal(served, tag, false)?.detail,
      pollIntervalMs: served.headMaxAgeMs,
    } satisfies WatchNetwork);
    made.set(served, network);
    return network;
  };
  return {
    resolveNetwork: (ref) => {
      const served = ref === undefined ? networks.default : networks.resolve(ref);
      return served === undefined ? undefined : watchOf(served);
    },
    networkNames: () => networks.names,
  };
}
