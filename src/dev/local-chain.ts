/**
 * The local chains `npm start` (and tests without a provider) serve: one seeded anvil from npm per
 * network that no provider serves, each on that network's chain id.
 */
import type { Logger } from '../observability/logger.js';
import type { LocalChains, LocalNetwork } from '../run-service.js';
import { seedDevnet, startAnvil, type AnvilNode } from './local-devnet.js';

/** The provider name each network's local chain gets (per network, so the same name on each). */
export const LOCAL_PROVIDER = 'local-anvil';

export async function startLocalChains(log: Logger, networks: readonly LocalNetwork[]): Promise<LocalChains> {
  const started = await Promise.allSettled(networks.map((network) => startSeeded(network.chainId)));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const env: Record<string, string> = {};
  networks.forEach((network, i) => {
    const node = nodes[i]!;
    env[network.variable] = `${LOCAL_PROVIDER}=${node.url}`;
    log.info(
      { provider: LOCAL_PROVIDER, network: network.name, url: node.url, chainId: network.chainId },
      'no provider configured: serving a local devnet (anvil)',
    );
  });
  return { env: Object.freeze(env), stop };
}

async function startSeeded(chainId: number | undefined): Promise<AnvilNode> {
  const node = await startAnvil(chainId === undefined ? {} : { chainId });
  try {
    await seedDevnet(node);
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node;
}
