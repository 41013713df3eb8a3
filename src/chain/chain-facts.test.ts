/** Chain facts come from viem's own chain modules (by path: its exports do not list them), joined with our table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { genericFacts, loadNetworkFacts } from './chain-facts.js';
import { MULTICALL3 } from './multicall.js';
import { KNOWN_NETWORKS } from './networks.js';

describe('loadNetworkFacts', () => {
  it('loads every known network from viem with its id, block time and Multicall3 deployment', async () => {
    const facts = await loadNetworkFacts(KNOWN_NETWORKS);
    const rows = facts.map((f) => [f.name, f.chainId, f.blockTimeMs, f.multicall3.address.toLowerCase(), f.multicall3.blockCreated]);
    const canonical = MULTICALL3.toLowerCase();
    assert.deepEqual(rows, [
      ['mainnet', 1, 12_000, canonical, 14_353_601n],
      ['sepolia', 11155111, 12_000, canonical, 751_532n],
      ['holesky', 17000, 12_000, canonical, 77n],
      ['hoodi', 560048, 12_000, canonical, 2589n],
      ['base', 8453, 2000, canonical, 5022n],
      ['base-sepolia', 84532, 2000, canonical, 1_059_647n],
      ['optimism', 10, 2000, canonical, 4_286_263n],
      ['arbitrum', 42161, 250, canonical, 7_654_707n],
      ['polygon', 137, 2000, canonical, 25_770_160n],
      ['linea', 59144, 2000, canonical, 42n],
      ['scroll', 534352, 3000, canonical, 14n],
      ['zksync', 324, 200, '0xf9cda624fbc7e059355ce98a31693d299facd963', 3_908_235n],
    ]);
    const quirks = facts.map((f) => [f.name, f.safe, f.stateProofs, f.evmBlockNumberIsL1]).filter(([, safe, proofs, l1]) => !safe || !proofs || l1);
    assert.deepEqual(quirks, [
      ['arbitrum', true, true, true],
      ['linea', false, true, false],
      ['zksync', true, false, false],
    ]);
  });

  it('finds a chain-<id> network in the viem barrel, and keeps generic facts for one viem does not know', async () => {
    const [gnosis, unknown, devnet] = await loadNetworkFacts([
      { name: 'chain-100', chainId: 100 },
      { name: 'chain-987654321987', chainId: 987654321987 },
      { name: 'devnet', chainId: 31337 },
    ]);
    assert.equal(gnosis!.title, 'Gnosis');
    assert.equal(gnosis!.blockTimeMs, 5000);
    assert.equal(gnosis!.multicall3.address.toLowerCase(), MULTICALL3.toLowerCase());
    assert.equal(typeof gnosis!.multicall3.blockCreated, 'bigint');
    assert.deepEqual(unknown, genericFacts(987654321987, 'chain-987654321987'));
    assert.deepEqual(devnet, genericFacts(31337, 'devnet'));
    assert.deepEqual(devnet, {
      name: 'devnet',
      chainId: 31337,
      title: 'devnet',
      blockTimeMs: undefined,
      multicall3: { address: MULTICALL3, blockCreated: undefined },
      safe: true,
      stateProofs: true,
      evmBlockNumberIsL1: false,
    });
  });
});
