/** NETWORKS and each network's providers: RPC_URLS_<NAME>, RPC_URLS_<chain id>, Infura per network. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const ID = 'abcdef0123456789abcdef0123456789';

function providersOf(env: Record<string, string>): Record<string, [string, string][]> {
  const config = loadConfig(env);
  return Object.fromEntries(config.networks!.map((n) => [n.name, n.providers.map((p) => [p.name, p.url] as [string, string])]));
}

describe('NETWORKS', () => {
  it('is unset: one network as today, Infura on INFURA_NETWORK, no network list', () => {
    const config = loadConfig({ INFURA_PROJECT_ID: ID, INFURA_NETWORK: 'sepolia', RPC_URLS: 'http://127.0.0.1:8545' });
    assert.equal(config.networks, undefined);
    assert.deepEqual(
      config.providers.map((p) => p.url),
      [`https://sepolia.infura.io/v3/${ID}`, 'http://127.0.0.1:8545/'],
    );
    assert.deepEqual(config.paceOverrides, { maxHeadLagBlocks: undefined, headMaxAgeMs: undefined });
  });

  it('expands Infura project ids on every listed network Infura serves, RPC_URLS on the default only', () => {
    const env = {
      NETWORKS: 'mainnet, base,42161,base-sepolia,zksync,chain-7777',
      INFURA_PROJECT_IDS: `${ID},${ID.toUpperCase()}`,
      RPC_URLS: 'own=http://10.0.0.1:8545',
      RPC_URLS_BASE: 'http://10.0.0.2:8545',
      RPC_URLS_42161: 'arb=http://10.0.0.3:8545',
      RPC_URLS_ARBITRUM: 'http://10.0.0.4:8545',
      RPC_URLS_CHAIN_7777: 'http://10.0.0.5:8545',
      RPC_URLS_7777: 'http://10.0.0.6:8545',
    };
    const infura = (sub: string): [string, string][] => [
      ['infura-1', `https://${sub}.infura.io/v3/${ID}`],
      ['infura-2', `https://${sub}.infura.io/v3/${ID.toUpperCase()}`],
    ];
    assert.deepEqual(providersOf(env), {
      mainnet: [...infura('mainnet'), ['own', 'http://10.0.0.1:8545/']],
      base: [...infura('base-mainnet'), ['rpc-1', 'http://10.0.0.2:8545/']],
      arbitrum: [...infura('arbitrum-mainnet'), ['rpc-1', 'http://10.0.0.4:8545/'], ['arb', 'http://10.0.0.3:8545/']],
      'base-sepolia': infura('base-sepolia'),
      zksync: infura('zksync-mainnet'),
      'chain-7777': [['rpc-1', 'http://10.0.0.5:8545/'], ['rpc-2', 'http://10.0.0.6:8545/']],
    });
    const config = loadConfig(env);
    assert.equal(config.expectedChainId, 1);
    assert.deepEqual(config.providers, config.networks![0]!.providers);
    assert.deepEqual(config.networks![1]!.variables, ['RPC_URLS_BASE', 'RPC_URLS_8453', 'INFURA_PROJECT_ID']);
    assert.deepEqual(config.networks![5]!.variables, ['RPC_URLS_CHAIN_7777', 'RPC_URLS_7777']);
    assert.deepEqual(config.networks![0]!.variables, ['RPC_URLS', 'RPC_URLS_MAINNET', 'RPC_URLS_1', 'INFURA_PROJECT_ID', 'INFURA_URL']);
  });

  it('makes the first network the expected chain and keeps every network apart', () => {
    const config = loadConfig({ NETWORKS: 'base,mainnet', RPC_URLS: 'http://10.0.0.1:8545', RPC_URLS_MAINNET: 'http://10.0.0.1:8545' });
    assert.equal(config.expectedChainId, 8453);
    assert.deepEqual(config.networks!.map((n) => [n.name, n.chainId, n.providers.length]), [['base', 8453, 1], ['mainnet', 1, 1]]);
    assert.ok(Object.isFrozen(config.networks) && Object.isFrozen(config.networks![0]));
  });

  it('records MAX_HEAD_LAG_BLOCKS and HEAD_MAX_AGE_MS as overrides only when set', () => {
    assert.deepEqual(loadConfig({ MAX_HEAD_LAG_BLOCKS: '7', HEAD_MAX_AGE_MS: '400' }).paceOverrides, { maxHeadLagBlocks: 7, headMaxAgeMs: 400 });
  });

  it('collects the secrets of every network', () => {
    const config = loadConfig({ NETWORKS: 'mainnet,base', RPC_URLS_BASE: 'https://base.example.com/v2/BASEKEYBASEKEYBASEKEY' });
    assert.ok(config.secrets.includes('BASEKEYBASEKEYBASEKEY'));
  });

  const refused: [Record<string, string>, string][] = [
    [{ NETWORKS: 'mainnet', INFURA_NETWORK: 'mainnet' }, 'INFURA_NETWORK applies only without NETWORKS: remove it (with NETWORKS, Infura serves each listed network it has)'],
    [{ NETWORKS: ' , ' }, 'NETWORKS must list at least one network name or chain id'],
    [
      { NETWORKS: 'mainnet,basee' },
      'NETWORKS entry 2 must be a network name (mainnet, sepolia, holesky, hoodi, base, base-sepolia, optimism, arbitrum, polygon, linea, scroll, zksync), chain-<id> or a decimal chain id, got "basee"',
    ],
    [{ NETWORKS: 'base,mainnet,8453' }, 'NETWORKS entry 3 repeats entry 1 (base, chain id 8453)'],
    [{ NETWORKS: 'mainnet', RPC_URLS_BASE: 'http://x' }, 'RPC_URLS_BASE is set but no network in NETWORKS (mainnet) reads it: add its network to NETWORKS or use one of RPC_URLS_MAINNET'],
    [{ NETWORKS: 'base', EXPECTED_CHAIN_ID: '1' }, 'EXPECTED_CHAIN_ID ("1") differs from the chain id of the default network base (8453): with NETWORKS, leave it unset'],
    [{ NETWORKS: 'base', RPC_URLS_BASE: 'ftp://x' }, 'RPC_URLS_BASE entry 1 must be an http(s) URL, got protocol "ftp:"'],
    [{ NETWORKS: 'mainnet,base', RPC_URLS_8453: 'a b=http://x' }, 'RPC_URLS_8453 entry 1 has an invalid name "a b" (letters, digits, . _ -)'],
  ];
  for (const [env, message] of refused) {
    it(`refuses: ${message}`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.message === message);
    });
  }
});
