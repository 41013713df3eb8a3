/** The provider rule with NETWORKS: the variable to set names the network, and every listed network needs one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config/config.js';
import { missingProvider } from './run-service.js';

describe('missingProvider', () => {
  it('names the network variables to set in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', NETWORKS: 'base' });
    assert.equal(
      missingProvider(config, false),
      'NODE_ENV=production needs an upstream provider: set one of RPC_URLS, RPC_URLS_BASE, RPC_URLS_8453, INFURA_PROJECT_ID, INFURA_URL',
    );
  });

  it('lets npm start serve the one listed network locally, and keeps today\'s rule without NETWORKS', () => {
    assert.equal(missingProvider(loadConfig({ NETWORKS: 'base' }), true), undefined);
    assert.equal(
      missingProvider(loadConfig({ NODE_ENV: 'production' }), false),
      'NODE_ENV=production needs an upstream provider: set one of RPC_URLS, INFURA_PROJECT_ID, INFURA_PROJECT_IDS, INFURA_URL',
    );
    assert.equal(missingProvider(loadConfig({ RPC_URLS: 'http://127.0.0.1:8545' }), false), undefined);
  });

  it('serves several networks, and names the variables of one left without a provider', () => {
    const served = loadConfig({ NETWORKS: 'mainnet,base', RPC_URLS: 'http://127.0.0.1:8545', RPC_URLS_BASE: 'http://127.0.0.1:8546' });
    assert.equal(missingProvider(served, false), undefined);
    const bare = loadConfig({ NODE_ENV: 'production', NETWORKS: 'mainnet,base', RPC_URLS: 'http://127.0.0.1:8545' });
    assert.equal(
      missingProvider(bare, false),
      'NODE_ENV=production needs an upstream provider for network base: set one of RPC_URLS_BASE, RPC_URLS_8453, INFURA_PROJECT_ID',
    );
  });
});
