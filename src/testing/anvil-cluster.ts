/**
 * Several real anvil nodes that agree block for block, like independent providers of one chain.
 *
 * Independent anvils mine identical blocks (same hashes) when they start from the same genesis
 * timestamp and apply the same signed transactions at the same block timestamps: everything in the
 * header is then the same. So reads pinned by block hash (EIP-1898) work on every synced node, as
 * they do across real mainnet providers. Balances change only through transactions: anvil_setBalance
 * rewrites the latest block's state in place, so it would break "the balance at exactly that block".
 *
 * - `synced`: mined in lockstep by `mine()`.
 * - `lagging`: same chain and history, but stops following after start (left `laggingBy` behind).
 * - `foreign`: another chain id, with different balances (a read from it would be visibly wrong).
 *
 * Reads that must see exactly the block they are pinned to while blocks are mined go through a
 * fault proxy given the node's gate (`gateOf`, mining-gate.ts): anvil alone may answer a read at
 * its latest block with the state of the block it is mining.
 */
import { SEED_ADDRESS, startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { MiningGate } from './mining-gate.js';

export const GENESIS_TIMESTAMP = 1_700_000_000;
export const BLOCK_TIME_SECONDS = 12;
/** anvil's first dev account (unlocked, funded, same on every node). */
export const FUNDER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
/** Addresses whose balance grows each block, so a read at the wrong block shows. */
export const WATCHED: readonly string[] = [
  SEED_ADDRESS,
  '0x1111111111111111111111111111111111111111',
  '0x2222222222222222222222222222222222222222',
  '0x3333333333333333333333333333333333333333',
];
const SEED_WEI = 136_500_000_000_000n;

export interface ClusterOptions {
  readonly synced?: number;
  readonly chainId?: number;
  /** Start a lagging node this many blocks behind (0: none). */
  readonly laggingBy?: number;
  /** Start a node on this other chain id. */
  readonly foreignChainId?: number;
}

export interface AnvilCluster {
  readonly chainId: number;
  readonly synced: readonly AnvilNode[];
  readonly lagging: AnvilNode | undefined;
  readonly foreign: AnvilNode | undefined;
  /** The gate between a node's mining and the calls forwarded to it, by the node's url (mining-gate.ts). */
  gateOf(url: string): MiningGate | undefined;
  /** Latest block number mined on every synced node. */
  number(): bigint;
  /** Expected balance of `address` at block `number` (0 for addresses never funded). */
  balanceAt(address: string, number: bigint): bigint;
  /** Mines one block on every synced node, with one transfer to each watched address. */
  mine(): Promise<void>;
  /** Mines every `intervalMs` until stopped. */
  startMining(intervalMs: number): void;
  stopMining(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<AnvilCluster> {
  const chainId = options.chainId ?? 31337;
  const args = ['--timestamp', String(GENESIS_TIMESTAMP), '--no-mining'];
  const starting = [
    ...Array.from({ length: options.synced ?? 3 }, () => startAnvil({ chainId, args })),
    ...(options.laggingBy ? [startAnvil({ chainId, args })] : []),
    ...(options.foreignChainId === undefined ? [] : [startAnvil({ chainId: options.foreignChainId, args })]),
  ];
  const started = await Promise.allSettled(starting);
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  const synced = nodes.slice(0, options.synced ?? 3);
  const lagging = options.laggingBy ? nodes[synced.length] : undefined;
  const foreign = options.foreignChainId === undefined ? undefined : nodes[nodes.length - 1];
  const gates = new Map(nodes.map((n) => [n.url, new MiningGate()]));

  // Expected balances: block number -> address -> wei. Block 1 carries the seed.
  const history = new Map<bigint, Map<string, bigint>>();
  let number = 0n;
  let nonce = 0;
  const following = lagging === undefined ? [...synced] : [...synced, lagging];

  const seed = async (node: AnvilNode, wei: bigint) => {
    await node.rpc('anvil_setBalance', [SEED_ADDRESS, `0x${wei.toString(16)}`]);
    await node.rpc('evm_setNextBlockTimestamp', [GENESIS_TIMESTAMP + BLOCK_TIME_SECONDS]);
    await node.rpc('anvil_mine', ['0x1']);
  };
  await Promise.all([...following.map((n) => seed(n, SEED_WEI)), ...(foreign === undefined ? [] : [seed(foreign, 7n)])]);
  number = 1n;
  history.set(1n, new Map([[SEED_ADDRESS.toLowerCase(), SEED_WEI]]));

  const mineOn = async (targets: readonly AnvilNode[]) => {
    const next = number + 1n;
    const firstNonce = nonce;
    const amounts = WATCHED.map((_, i) => next * 1000n + BigInt(i));
    // Known before any node mines it: a reader may see the block on one node before the rest.
    const balances = new Map(history.get(number)!);
    WATCHED.forEach((address, i) => {
      const key = address.toLowerCase();
      balances.set(key, (balances.get(key) ?? 0n) + amounts[i]!);
    });
    history.set(next, balances);
    await Promise.all(
      targets.map(async (node) => {
        // Same signed transactions (same sender, nonce, fees) in the same order on every node.
        for (let i = 0; i < WATCHED.length; i++) {
          await node.rpc('eth_sendTransaction', [
            {
              from: FUNDER,
              to: WATCHED[i],
              value: `0x${amounts[i]!.toString(16)}`,
              nonce: `0x${(firstNonce + i).toString(16)}`,
              gas: '0x5208',
              maxFeePerGas: '0x174876e800',
              maxPriorityFeePerGas: '0x3b9aca00',
            },
          ]);
        }
        await node.rpc('evm_setNextBlockTimestamp', [GENESIS_TIMESTAMP + Number(next) * BLOCK_TIME_SECONDS]);
        await gates.get(node.url)!.exclusive(() => node.rpc('anvil_mine', ['0x1']));
      }),
    );
    nonce += WATCHED.length;
    number = next;
  };

  // The lagging node shares history up to here, then stops following.
  for (let i = 0; i < (options.laggingBy ?? 0); i++) await mineOn(synced);

  let timer: NodeJS.Timeout | undefined;
  let mining: Promise<void> = Promise.resolve();
  const cluster: AnvilCluster = {
    chainId,
    synced,
    lagging,
    foreign,
    gateOf: (url) => gates.get(url),
    number: () => number,
    balanceAt: (address, at) => {
      let block = at;
      // Blocks beyond what we mined (or are mining) do not exist; below 1 nothing was funded.
      if (!history.has(block) && block > number) throw new Error(`block ${at} was never mined (latest ${number})`);
      while (block >= 1n) {
        const balances = history.get(block);
        if (balances !== undefined) return balances.get(address.toLowerCase()) ?? 0n;
        block--;
      }
      return 0n;
    },
    mine: () => (mining = mining.then(() => mineOn(synced))),
    startMining: (intervalMs) => {
      timer = setInterval(() => {
        void cluster.mine().catch(() => undefined);
      }, intervalMs);
    },
    stopMining: async () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await mining.catch(() => undefined);
    },
    stop: async () => {
      await cluster.stopMining();
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  return cluster;
}
