/**
 * The networks the service knows by name, and what a chain registry does not say about them.
 *
 * Chain facts a registry keeps well (ids, block times, the Multicall3 address and its deployment
 * block) come from viem's `viem/chains` at start (chain/chain-facts.ts). This table keeps only what
 * viem lacks: our canonical name, Infura's subdomain, which block tags the chain's nodes serve,
 * whether its state is a Merkle-Patricia trie (account proofs), and the quirks reads must respect.
 * Any other chain id is served as `chain-<id>`, with its providers given explicitly.
 */

export interface KnownNetwork {
  /** Canonical name: what responses say and `?network=` takes; RPC_URLS_<NAME> derives from it. */
  readonly name: string;
  readonly chainId: number;
  /** The chain's export in viem/chains (also its file name there). */
  readonly viem: string;
  /** Infura's subdomain (`https://<subdomain>.infura.io/v3/<id>`); undefined: Infura does not serve it. */
  readonly infura: string | undefined;
  /** Its nodes answer the `safe` tag (Linea's serve `finalized` but not `safe`). */
  readonly safe: boolean;
  /** Merkle-Patricia state: eth_getProof account proofs verify against the header's stateRoot (zkSync Era has none). */
  readonly stateProofs: boolean;
  /**
   * `block.number` inside the EVM is the L1 block (Arbitrum): a Multicall3 answer's block number is
   * not the L2 block the call was pinned to, so it cannot be checked against it.
   */
  readonly evmBlockNumberIsL1: boolean;
  /** Block time when viem has none (milliseconds). */
  readonly blockTimeMs?: number;
}

const ETHEREUM = { safe: true, stateProofs: true, evmBlockNumberIsL1: false } as const;

/** Ethereum and its testnets, OP-stack chains, Arbitrum, Polygon, Linea, Scroll, zkSync Era. */
export const KNOWN_NETWORKS: readonly KnownNetwork[] = Object.freeze(
  [
    { name: 'mainnet', chainId: 1, viem: 'mainnet', infura: 'mainnet', ...ETHEREUM },
    // viem gives the testnets no block time: they run mainnet's 12 s slots.
    { name: 'sepolia', chainId: 11155111, viem: 'sepolia', infura: 'sepolia', ...ETHEREUM, blockTimeMs: 12_000 },
    { name: 'holesky', chainId: 17000, viem: 'holesky', infura: 'holesky', ...ETHEREUM, blockTimeMs: 12_000 },
    { name: 'hoodi', chainId: 560048, viem: 'hoodi', infura: 'hoodi', ...ETHEREUM, blockTimeMs: 12_000 },
    { name: 'base', chainId: 8453, viem: 'base', infura: 'base-mainnet', ...ETHEREUM },
    { name: 'base-sepolia', chainId: 84532, viem: 'baseSepolia', infura: 'base-sepolia', ...ETHEREUM },
    { name: 'optimism', chainId: 10, viem: 'optimism', infura: 'optimism-mainnet', ...ETHEREUM },
    { name: 'arbitrum', chainId: 42161, viem: 'arbitrum', infura: 'arbitrum-mainnet', ...ETHEREUM, evmBlockNumberIsL1: true },
    { name: 'polygon', chainId: 137, viem: 'polygon', infura: 'polygon-mainnet', ...ETHEREUM },
    { name: 'linea', chainId: 59144, viem: 'linea', infura: 'linea-mainnet', ...ETHEREUM, safe: false },
    { name: 'scroll', chainId: 534352, viem: 'scroll', infura: 'scroll-mainnet', ...ETHEREUM },
    { name: 'zksync', chainId: 324, viem: 'zksync', infura: 'zksync-mainnet', ...ETHEREUM, stateProofs: false },
  ].map((n) => Object.freeze(n)),
);

const BY_NAME = new Map(KNOWN_NETWORKS.map((n) => [n.name, n]));
const BY_CHAIN_ID = new Map(KNOWN_NETWORKS.map((n) => [n.chainId, n]));

/** Local development chains (anvil's default ids): named, but no registry facts. */
const DEVNET_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

/** `chain-<id>`: the name of a chain this table does not know. */
const CHAIN_NAME = /^chain-([1-9][0-9]{0,15})$/;
const DECIMAL_ID = /^[1-9][0-9]{0,15}$/;

export function knownByName(name: string): KnownNetwork | undefined {
  return BY_NAME.get(name);
}

export function knownByChainId(chainId: number): KnownNetwork | undefined {
  return BY_CHAIN_ID.get(chainId);
}

/** The canonical name of a chain: a known network's, `devnet` for anvil's ids, else `chain-<id>`. */
export function networkName(chainId: number): string {
  return BY_CHAIN_ID.get(chainId)?.name ?? (DEVNET_CHAIN_IDS.has(chainId) ? 'devnet' : `chain-${chainId}`);
}

/**
 * A network as configured (NETWORKS entry) or asked for: a known name, `chain-<id>`, or a decimal
 * chain id. Undefined when it is none of these.
 */
export function parseNetworkRef(ref: string): { name: string; chainId: number } | undefined {
  const known = BY_NAME.get(ref);
  if (known !== undefined) return { name: known.name, chainId: known.chainId };
  const named = CHAIN_NAME.exec(ref);
  const digits = named?.[1] ?? (DECIMAL_ID.test(ref) ? ref : undefined);
  if (digits === undefined) return undefined;
  const chainId = Number(digits);
  if (!Number.isSafeInteger(chainId)) return undefined;
  return { name: networkName(chainId), chainId };
}

/** RPC_URLS_<NAME>: the name upper-cased with `-` as `_` (RPC_URLS_BASE_SEPOLIA, RPC_URLS_CHAIN_7777). */
export function rpcUrlsVariable(nameOrChainId: string | number): string {
  return `RPC_URLS_${String(nameOrChainId).toUpperCase().replaceAll('-', '_')}`;
}
