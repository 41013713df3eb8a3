/**
 * `npm start`: the service as in production, plus a seeded local anvil when no provider is
 * configured outside production. Not part of the production build (src/tsconfig.build.json).
 */
import { runService } from '../run-service.js';
import { startLocalChain } from './local-chain.js';

await runService(process.env, { localChain: startLocalChain });
