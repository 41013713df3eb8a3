/**
 * What /readyz and /providers say about each served network. Pure functions of the routers'
 * state: the service is ready while its default network is (a request that names no network reads
 * it); the other networks' readiness and heads are shown beside it, for operators.
 */
import type { Networks } from '../balance/served-networks.js';
import type { ProviderSnapshot } from '../router/upstream.js';

export interface NetworkReadiness {
  readonly network: string;
  readonly chainId: number | undefined;
  readonly ready: boolean;
  readonly headBlockNumber: string | undefined;
  readonly headAgeMs: number | undefined;
}

export interface Readiness {
  /** The default network is ready: /readyz answers 200. */
  readonly ready: boolean;
  /** The 200 body (today's fields for the default network, then every network). */
  readonly body: {
    readonly status: 'ready' | 'not ready';
    readonly network: string;
    readonly headBlockNumber: string | undefined;
    readonly headAgeMs: number | undefined;
    readonly networks: readonly NetworkReadiness[];
  };
}

export function readiness(networks: Networks): Readiness {
  const each = networks.all.map((n): NetworkReadiness => {
    const last = n.router.lastHead();
    return {
      network: n.name,
      chainId: n.router.chainId(),
      ready: n.router.ready(),
      headBlockNumber: last?.head.numberHex,
      headAgeMs: last === undefined ? undefined : Math.round(last.ageMs),
    };
  });
  const first = each[0]!;
  return {
    ready: first.ready,
    body: { status: first.ready ? 'ready' : 'not ready', network: first.network, headBlockNumber: first.headBlockNumber, headAgeMs: first.headAgeMs, networks: each },
  };
}

/** Each provider with its network and the chain id it must be on (a wrong-chain provider shows why it is left out). */
export function providersBody(networks: Networks): { network: string; providers: (ProviderSnapshot & { network: string; expectedChainId: number | undefined })[] } {
  return {
    network: networks.default.name,
    providers: networks.all.flatMap((n) => {
      const expectedChainId = n.router.chainId();
      return n.router.snapshot().map((p) => ({ ...p, network: n.name, expectedChainId }));
    }),
  };
}
