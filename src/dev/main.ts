/**
 * `npm start`: the service as in production, plus a seeded local anvil for each network no provider
 * serves outside production. Not part of the production build (src/tsconfig.build.json).
 */
import { runService } from '../run-service.js';
import { startLocalChains } from './local-chain.js';

await runService(process.env, { localChains: startLocalChains });
