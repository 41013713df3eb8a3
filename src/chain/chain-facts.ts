/**
 * What the service must know of each network it serves: viem's chain facts (block time, the
 * Multicall3 address and its deployment block) joined with our own table (chain/networks.ts).
 *
 * Loading cost, measured on this repository's machines (Node 20, viem 2.57.20): the `viem/chains`
 * barrel evaluates ~750 chain definitions, 450-700 ms and ~14 MB of heap at start; one chain's own
 * module takes 3-5 ms, all eleven known networks together 35-115 ms (the OP-stack ones share
 * formatters). So a known network's definition is imported by its own file, which viem's package
 * exports do not list: it is found next to the resolved `viem/chains` entry, and its shape is
 * checked here (a viem upgrade that moves or reshapes it fails the start, and chain-facts.test.ts).
 * Only a `chain-<id>` network pays for the barrel, to look its id up.
 */
import { MULTICALL3 } from './multicall.js';
import { knownByChainId, networkName, type KnownNetwork } from './networks.js';

export interface Multicall3Deployment {
  readonly address: string;
  /** First block with its code; undefined: not known (eth_getCode at the latest block decides). */
  readonly blockCreated: bigint | undefined;
}

export interface NetworkFacts {
  readonly name: string;
  readonly chainId: number;
  /** The chain's display name (viem's), for logs. */
  readonly title: string;
  /** Milliseconds between blocks; undefined when no registry knows (head pacing falls back to block counts). */
  readonly blockTimeMs: number | undefined;
  readonly multicall3: Multicall3Deployment;
  readonly safe: boolean;
  readonly stateProofs: boolean;
  readonly evmBlockNumberIsL1: boolean;
}

/** The part of a viem chain definition we read. */
interface ViemChain {
  readonly id: number;
  readonly name: string;
  readonly blockTime?: number;
  readonly contracts?: { readonly multicall3?: { readonly address: string; readonly blockCreated?: number } };
}

const CANONICAL_MULTICALL3: Multicall3Deployment = Object.freeze({ address: MULTICALL3, blockCreated: undefined });
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Facts of a chain nobody describes: today's single-network behaviour (canonical Multicall3, every tag, proofs). */
export function genericFacts(chainId: number, name: string = networkName(chainId)): NetworkFacts {
  return Object.freeze({
    name,
    chainId,
    title: name,
    blockTimeMs: undefined,
    multicall3: CANONICAL_MULTICALL3,
    safe: true,
    stateProofs: true,
    evmBlockNumberIsL1: false,
  });
}

/** Joins a viem definition (if any) with our table's entry (if any). Pure. */
export function factsOf(ref: { name: string; chainId: number }, chain: ViemChain | undefined, known: KnownNetwork | undefined): NetworkFacts {
  const base = genericFacts(ref.chainId, ref.name);
  const m = chain?.contracts?.multicall3;
  return Object.freeze({
    ...base,
    title: chain?.name ?? base.title,
    blockTimeMs: chain?.blockTime ?? known?.blockTimeMs,
    multicall3:
      m === undefined
        ? CANONICAL_MULTICALL3
        : Object.freeze({ address: m.address, blockCreated: m.blockCreated === undefined ? undefined : BigInt(m.blockCreated) }),
    safe: known?.safe ?? base.safe,
    stateProofs: known?.stateProofs ?? base.stateProofs,
    evmBlockNumberIsL1: known?.evmBlockNumberIsL1 ?? base.evmBlockNumberIsL1,
  });
}

/** The facts of each network, in order: viem's definitions joined with our table. */
export async function loadNetworkFacts(refs: readonly { name: string; chainId: number }[]): Promise<NetworkFacts[]> {
  let barrel: Promise<Record<string, unknown>> | undefined;
  return Promise.all(
    refs.map(async (ref) => {
      const known = knownByChainId(ref.chainId);
      if (known !== undefined) return factsOf(ref, await viemChain(known), known);
      if (ref.name === 'devnet') return genericFacts(ref.chainId, ref.name);
      barrel ??= import('viem/chains') as Promise<Record<string, unknown>>;
      const found = Object.entries(await barrel).find(([, value]) => (value as { id?: unknown } | undefined)?.id === ref.chainId);
      return factsOf(ref, found === undefined ? undefined : checked(found[1], `viem/chains ${found[0]}`, ref.chainId), undefined);
    }),
  );
}

/** One known network's definition, from its own module. */
export async function viemChain(known: KnownNetwork): Promise<ViemChain> {
  const url = new URL(`./definitions/${known.viem}.js`, import.meta.resolve('viem/chains'));
  const module = (await import(url.href)) as Record<string, unknown>;
  return checked(module[known.viem], `viem/chains ${known.viem}`, known.chainId);
}

/** The definition if it has the shape we read; a clear error otherwise (a viem upgrade changed it). */
function checked(value: unknown, where: string, chainId: number): ViemChain {
  const chain = value as ViemChain | undefined;
  const m = chain?.contracts?.multicall3;
  const ok =
    chain !== undefined &&
    chain.id === chainId &&
    typeof chain.name === 'string' &&
    (chain.blockTime === undefined || (typeof chain.blockTime === 'number' && chain.blockTime > 0)) &&
    (m === undefined || (ADDRESS.test(m.address) && (m.blockCreated === undefined || Number.isSafeInteger(m.blockCreated))));
  if (!ok) throw new Error(`${where} is not the chain definition expected for chain id ${chainId}`);
  return chain;
}
