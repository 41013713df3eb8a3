/**
 * One router and one reader per configured network, over the one in-process cache (keys apart,
 * one CACHE_MAX_ENTRIES bound) and the one shared level (keyed by chain id already).
 *
 * Each router gets the service's config with that network's providers, chain id and head pace
 * (chain/head-pace.ts: lag and head age from the chain's block time, MAX_HEAD_LAG_BLOCKS and
 * HEAD_MAX_AGE_MS overriding), and the chain's Multicall3 deployment and EVM quirks.
 *
 * Without NETWORKS: the one network of today, named from EXPECTED_CHAIN_ID when set, else from the
 * chain id its providers answer at start.
 */
import { BalanceReader } from './balance/balance-reader.js';
import { Networks, type ServedNetwork } from './balance/served-networks.js';
import type { BalanceCache } from './cache/balance-cache.js';
import type { SharedCache } from './cache/shared-cache.js';
import type { CodecRunner } from './codec/codec-pool.js';
import { genericFacts, loadNetworkFacts, type NetworkFacts } from './chain/chain-facts.js';
import { headPace } from './chain/head-pace.js';
import { networkName } from './chain/networks.js';
import type { Config, ProviderConfig } from './config/config.js';
import type { Logger } from './observability/logger.js';
import { ProviderRouter } from './router/provider-router.js';
import type { RetryShared } from './router/retry-policy.js';
import type { ProofVerifier } from './verify/proof-task.js';
import type { CallObserver, Upstream } from './router/upstream.js';

export interface NetworksDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly cache: BalanceCache;
  readonly sharedCache: SharedCache | undefined;
  /** The call observer of one network's router (metrics labelled with it, tracing). */
  readonly observer: (network: string) => CallObserver;
  /** The process-wide retry budget and counters, shared by every network's router. */
  readonly retry: RetryShared;
  /** Inline or the worker pool (WORKERS): a large read's items are formatted there. */
  readonly codec: CodecRunner;
  /** Proof checks of verified reads on the pool; undefined: inline. */
  readonly verifyProof: ProofVerifier | undefined;
}

interface Planned {
  readonly name: string | undefined;
  readonly chainId: number | undefined;
  readonly providers: readonly ProviderConfig[];
}

export async function buildNetworks(deps: NetworksDeps): Promise<Networks> {
  const { config } = deps;
  const planned: readonly Planned[] = config.networks ?? [{ name: undefined, chainId: config.expectedChainId, providers: config.providers }];
  const known = planned.filter((p) => p.chainId !== undefined).map((p) => ({ name: p.name ?? networkName(p.chainId!), chainId: p.chainId! }));
  const facts = new Map((await loadNetworkFacts(known)).map((f) => [f.chainId, f]));
  const served = planned.map((plan, i) => serve(deps, plan, plan.chainId === undefined ? undefined : facts.get(plan.chainId), i === 0));
  return new Networks(served, planned[0]!.chainId !== undefined);
}

/** The router's config: the network's providers, chain id and pace. */
export function networkConfig(config: Config, plan: Planned, facts: NetworkFacts | undefined): Config {
  if (facts === undefined) return config;
  const pace = headPace({ blockTimeMs: facts.blockTimeMs, ...config.paceOverrides });
  return Object.freeze({
    ...config,
    providers: plan.providers,
    expectedChainId: facts.chainId,
    maxHeadLagBlocks: pace.maxLagBlocks,
    headMaxAgeMs: pace.headMaxAgeMs,
  });
}

function serve(deps: NetworksDeps, plan: Planned, facts: NetworkFacts | undefined, isDefault: boolean): ServedNetwork {
  const { config } = deps;
  const label = plan.name ?? (plan.chainId === undefined ? undefined : networkName(plan.chainId));
  const log = config.networks === undefined || label === undefined ? deps.log : deps.log.child({ network: label });
  const routerConfig = networkConfig(config, plan, facts);
  const headMaxAgeMs = routerConfig.headMaxAgeMs;
  const router: Upstream = new ProviderRouter(routerConfig, log, {
    onCall: deps.observer(label ?? ''),
    retry: deps.retry,
    verifyProof: deps.verifyProof,
    ...(facts === undefined ? {} : { facts }),
  });
  // The default network's keys are bare addresses (its hit builds no string); the others' carry the chain id.
  const reader = new BalanceReader(router, deps.cache, deps.sharedCache, isDefault ? '' : `${plan.chainId}:`, deps.codec);
  if (label !== undefined && plan.chainId !== undefined) {
    return Object.freeze({ name: label, chainId: plan.chainId, facts: facts ?? genericFacts(plan.chainId, label), router, reader, headMaxAgeMs });
  }
  // The lone network without NETWORKS or EXPECTED_CHAIN_ID: named once its providers say their chain (development).
  return Object.freeze({
    get name() {
      return router.network() ?? 'unknown';
    },
    get chainId() {
      return router.chainId() ?? 0;
    },
    facts: genericFacts(0),
    router,
    reader,
    headMaxAgeMs,
  });
}
