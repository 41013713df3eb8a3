/**
 * A real chain under GET /watch for tests: one anvil (automine, 80 blocks deep so safe and
 * finalized exist), a fault proxy in front (the app's only provider) sharing the node's mining
 * gate, and the real app on port 0. Every change a test makes to the chain runs through `change`,
 * exclusive with the app's reads, so a read pinned to a block gets that block's state
 * (mining-gate.ts explains why anvil needs this).
 */
import { startAnvil, type AnvilNode } from '../dev/local-devnet.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { MiningGate } from './mining-gate.js';
import { samples } from './prometheus-text.js';
import { startTestApp, type TestApp } from './start-app.js';
import { WatchClient, type WatchClientOptions } from './watch-client.js';

/** anvil's first two dev accounts (unlocked, funded). */
export const DEV_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const DEV_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export interface WatchRig {
  readonly node: AnvilNode;
  readonly proxy: FaultProxy;
  readonly app: TestApp;
  readonly url: string;
  connect(options?: WatchClientOptions): Promise<WatchClient>;
  /** Runs a chain change alone (no read of the app's in flight or started meanwhile). */
  change<T>(work: () => Promise<T>): Promise<T>;
  /** One transfer, mined at once. */
  transfer(from: string, to: string, wei: bigint): Promise<void>;
  balanceAt(address: string, blockHash: string): Promise<bigint>;
  /** One sample of /metrics, by name and labels as the text shows them. */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startWatchRig(env: Record<string, string> = {}, node?: AnvilNode): Promise<WatchRig> {
  const anvil = node ?? (await startAnvil({ chainId: 31337 }));
  if (node === undefined) await anvil.rpc('anvil_mine', ['0x50']);
  const gate = new MiningGate();
  const proxy = await startFaultProxy(anvil.url, { gate });
  const app = await startTestApp({ RPC_URLS: proxy.url, HEAD_MAX_AGE_MS: '100', UPSTREAM_MULTICALL: 'off', ...env });
  const url = `ws://127.0.0.1:${app.port}/watch`;
  const change = <T>(work: () => Promise<T>) => gate.exclusive(work);
  return {
    node: anvil,
    proxy,
    app,
    url,
    connect: (options) => WatchClient.connect(url, options),
    change,
    transfer: (from, to, wei) => change(() => anvil.rpc('eth_sendTransaction', [{ from, to, value: `0x${wei.toString(16)}` }])).then(() => undefined),
    balanceAt: async (address, blockHash) => BigInt(await anvil.rpc<string>('eth_getBalance', [address, { blockHash }])),
    metric: async (name) => {
      const res = await fetch(`${app.baseUrl}/metrics`);
      return samples(await res.text()).get(name) ?? 0;
    },
    stop: async () => {
      await app.shutdown();
      await proxy.close();
      if (node === undefined) await anvil.stop();
    },
  };
}
