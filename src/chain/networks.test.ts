import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KNOWN_NETWORKS, networkName, parseNetworkRef, rpcUrlsVariable } from './networks.js';

describe('the known networks', () => {
  it('names the chains the issue lists, by the ids they have', () => {
    const ids = Object.fromEntries(KNOWN_NETWORKS.map((n) => [n.name, n.chainId]));
    assert.deepEqual(ids, {
      mainnet: 1,
      sepolia: 11155111,
      holesky: 17000,
      hoodi: 560048,
      base: 8453,
      'base-sepolia': 84532,
      optimism: 10,
      arbitrum: 42161,
      polygon: 137,
      linea: 59144,
      scroll: 534352,
      zksync: 324,
    });
  });

  it('keeps the quirks viem does not: Linea has no safe, zkSync no proofs, Arbitrum an L1 block.number', () => {
    const quirks = KNOWN_NETWORKS.filter((n) => !n.safe || !n.stateProofs || n.evmBlockNumberIsL1).map((n) => [n.name, n.safe, n.stateProofs, n.evmBlockNumberIsL1]);
    assert.deepEqual(quirks, [
      ['arbitrum', true, true, true],
      ['linea', false, true, false],
      ['zksync', true, false, false],
    ]);
  });

  it('has Infura subdomains for every network Infura serves', () => {
    assert.deepEqual(
      KNOWN_NETWORKS.map((n) => n.infura),
      ['mainnet', 'sepolia', 'holesky', 'hoodi', 'base-mainnet', 'base-sepolia', 'optimism-mainnet', 'arbitrum-mainnet', 'polygon-mainnet', 'linea-mainnet', 'scroll-mainnet', 'zksync-mainnet'],
    );
  });
});

describe('parseNetworkRef', () => {
  const cases: [string, { name: string; chainId: number } | undefined][] = [
    ['mainnet', { name: 'mainnet', chainId: 1 }],
    ['base-sepolia', { name: 'base-sepolia', chainId: 84532 }],
    ['42161', { name: 'arbitrum', chainId: 42161 }],
    ['7777777', { name: 'chain-7777777', chainId: 7777777 }],
    ['chain-7777777', { name: 'chain-7777777', chainId: 7777777 }],
    ['chain-8453', { name: 'base', chainId: 8453 }],
    ['31337', { name: 'devnet', chainId: 31337 }],
    ['Mainnet', undefined],
    ['basesepolia', undefined],
    ['0', undefined],
    ['08453', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['chain-', undefined],
    ['99999999999999999', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected === undefined ? 'refused' : expected.name}`, () => {
      assert.deepEqual(parseNetworkRef(input), expected);
    });
  }
});

describe('names', () => {
  it('derives RPC_URLS_<NAME> from a name or a chain id', () => {
    assert.deepEqual(
      ['base', 'base-sepolia', 'chain-7777', 42161].map(rpcUrlsVariable),
      ['RPC_URLS_BASE', 'RPC_URLS_BASE_SEPOLIA', 'RPC_URLS_CHAIN_7777', 'RPC_URLS_42161'],
    );
  });

  it('names a chain by its known name, devnet for anvil ids, chain-<id> otherwise', () => {
    assert.deepEqual([1, 8453, 31337, 1337, 7777].map(networkName), ['mainnet', 'base', 'devnet', 'devnet', 'chain-7777']);
  });
});
