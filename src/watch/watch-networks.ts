/**
 * The networks GET /watch serves, from the service's upstream: today the one network, named as
 * the `network` field of HTTP bodies and known once a provider has said its chain id. A subscribe
 * names it by name, decimal chain id (string or number), or not at all.
 */
import type { BalanceReader } from '../balance/balance-reader.js';
import type { Upstream } from '../router/upstream.js';
import type { WatchNetwork } from './network-watch.js';

export interface WatchNetworksSource {
  readonly upstream: Pick<Upstream, 'network' | 'chainId' | 'head' | 'resolveBlock'>;
  readonly reader: Pick<BalanceReader, 'itemsAt'>;
  /** About a block (HEAD_MAX_AGE_MS, paced by the chain's block time). */
  readonly pollIntervalMs: number;
}

export function watchNetworks(source: WatchNetworksSource): {
  resolveNetwork: (ref: string | number | undefined) => WatchNetwork | undefined;
  networkNames: () => readonly string[];
} {
  const { upstream } = source;
  let known: WatchNetwork | undefined;
  const network = (): WatchNetwork | undefined => {
    if (known !== undefined) return known;
    const name = upstream.network();
    const chainId = upstream.chainId();
    if (name === undefined || chainId === undefined) return undefined;
    known = Object.freeze({
      name,
      chainId,
      reader: source.reader,
      head: () => upstream.head(),
      resolveBlock: (tag, requestId) => upstream.resolveBlock(tag, requestId),
      pollIntervalMs: source.pollIntervalMs,
    } satisfies WatchNetwork);
    return known;
  };
  return {
    resolveNetwork: (ref) => {
      const n = network();
      if (n === undefined) return undefined;
      return ref === undefined || ref === n.name || ref === String(n.chainId) || ref === n.chainId ? n : undefined;
    },
    networkNames: () => {
      const n = network();
      return n === undefined ? [] : [n.name];
    },
  };
}
