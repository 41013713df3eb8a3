/** The local chain `npm start` (and tests without a provider) serve: a seeded anvil from npm. */
import type { Logger } from '../observability/logger.js';
import type { LocalChain } from '../run-service.js';
import { seedDevnet, startAnvil } from './local-devnet.js';

export async function startLocalChain(log: Logger): Promise<LocalChain> {
  const node = await startAnvil();
  try {
    await seedDevnet(node);
  } catch (error) {
    await node.stop();
    throw error;
  }
  log.info({ provider: 'local-anvil', url: node.url }, 'no provider configured: serving a local devnet (anvil)');
  return {
    provider: Object.freeze({ name: 'local-anvil', url: node.url, headers: Object.freeze({}) }),
    stop: () => node.stop(),
  };
}
