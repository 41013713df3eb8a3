/** The local chain `npm start` (and tests without a provider) serve: a seeded anvil from npm. */
import type { Logger } from '../observability/logger.js';
import type { LocalChain } from '../run-service.js';
import { seedDevnet, startAnvil } from './local-devnet.js';

/** `chainId`: the one network NETWORKS names, so its providers' chain check passes (undefined: anvil's 31337). */
export async function startLocalChain(log: Logger, chainId?: number): Promise<LocalChain> {
  const node = await startAnvil(chainId === undefined ? {} : { chainId });
  try {
    await seedDevnet(node);
  } catch (error) {
    await node.stop();
    throw error;
  }
  log.info({ provider: 'local-anvil', url: node.url, chainId }, 'no provider configured: serving a local devnet (anvil)');
  return {
    provider: Object.freeze({ name: 'local-anvil', url: node.url, headers: Object.freeze({}) }),
    stop: () => node.stop(),
  };
}
