import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.cacheTtlSeconds, 5);
    assert.equal(config.cacheMaxEntries, 100_000);
    assert.equal(config.upstreamTimeoutMs, 2000);
    assert.equal(config.addressChecksum, 'strict');
    assert.equal(config.shutdownTimeoutMs, 20_000);
    assert.equal(config.expectedChainId, undefined);
    assert.deepEqual(config.providers, []);
    assert.ok(Object.isFrozen(config));
  });

  it('expects mainnet in production unless told otherwise', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production' }).expectedChainId, 1);
    assert.equal(loadConfig({ NODE_ENV: 'production', EXPECTED_CHAIN_ID: '11155111' }).expectedChainId, 11155111);
  });

  it('reads providers: Infura first, then RPC_URLS with optional names', () => {
    const config = loadConfig({
      INFURA_PROJECT_ID: 'abcdef0123456789abcdef0123456789',
      INFURA_PROJECT_SECRET: 'topsecret',
      RPC_URLS: 'alchemy=https://eth.example.com/v2/KEYKEYKEYKEYKEYKEY, http://127.0.0.1:8545',
    });
    assert.deepEqual(
      config.providers.map((p) => [p.name, p.url]),
      [
        ['infura-1', 'https://mainnet.infura.io/v3/abcdef0123456789abcdef0123456789'],
        ['alchemy', 'https://eth.example.com/v2/KEYKEYKEYKEYKEYKEY'],
        ['rpc-2', 'http://127.0.0.1:8545/'],
      ],
    );
    assert.equal(config.providers[0]!.headers.authorization, `Basic ${Buffer.from(':topsecret').toString('base64')}`);
    assert.ok(config.secrets.includes('abcdef0123456789abcdef0123456789'));
    assert.ok(config.secrets.includes('topsecret'));
    assert.ok(config.secrets.includes('KEYKEYKEYKEYKEYKEY'));
  });

  it('moves basic-auth credentials out of the URL into a header', () => {
    const [p] = loadConfig({ RPC_URLS: 'https://user:pa%40ss@node.example.com/rpc' }).providers;
    assert.equal(p!.url, 'https://node.example.com/rpc');
    assert.equal(p!.headers.authorization, `Basic ${Buffer.from('user:pa@ss').toString('base64')}`);
  });

  it('never echoes a provider URL in its error', () => {
    assert.throws(
      () => loadConfig({ INFURA_URL: 'mainnet.infura.io/v3/SECRETSECRETSECRET' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('SECRET'),
    );
  });
});
