/** Which network a request names, and what a network refuses however it is asked: pure, from a table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FINALIZED, LATEST, SAFE } from '../chain/block-tag.js';
import type { Upstream } from '../router/upstream.js';
import type { BalanceReader } from './balance-reader.js';
import { networkRefusal, Networks, type ServedNetwork } from './served-networks.js';

const ETHEREUM = { safe: true, stateProofs: true };

/** A network whose router only knows its chain id (all `Networks` asks of it). */
function served(name: string, chainId: number | undefined, facts = ETHEREUM): ServedNetwork {
  const router = { chainId: () => chainId, network: () => (chainId === undefined ? undefined : name) } as unknown as Upstream;
  return { name, chainId: chainId ?? 0, facts, router, reader: {} as BalanceReader, headMaxAgeMs: 1000 };
}

describe('networkRefusal', () => {
  const linea = { name: 'linea', facts: { safe: false, stateProofs: true } };
  const zksync = { name: 'zksync', facts: { safe: true, stateProofs: false } };
  const cases: [string, Parameters<typeof networkRefusal>, ReturnType<typeof networkRefusal>][] = [
    ['mainnet serves safe, verified', [{ name: 'mainnet', facts: ETHEREUM }, SAFE, true], undefined],
    ['linea serves finalized', [linea, FINALIZED, false], undefined],
    ['linea refuses safe, naming itself', [linea, SAFE, false], { code: 'INVALID_BLOCK_TAG', detail: 'network linea does not serve the safe tag: use finalized, latest, a block number or a block hash' }],
    ['zksync reads unverified', [zksync, LATEST, false], undefined],
    ['zksync refuses a verified read, naming itself', [zksync, LATEST, true], { code: 'VERIFY_UNSUPPORTED', detail: 'network zksync has no Merkle-Patricia state proofs: ask with verify=false' }],
  ];
  for (const [name, args, expected] of cases) it(name, () => assert.deepEqual(networkRefusal(...args), expected));
});

describe('Networks', () => {
  const networks = new Networks([served('mainnet', 1), served('base', 8453), served('arbitrum', 42161)]);

  it('resolves names and chain ids (number or decimal string) to the network, the default when absent', () => {
    assert.equal(networks.resolve('base')?.name, 'base');
    assert.equal(networks.resolve(8453)?.name, 'base');
    assert.equal(networks.resolve('42161')?.name, 'arbitrum');
    const name = (pick: ReturnType<Networks['pick']>) => (pick.ok ? pick.network.name : undefined);
    assert.equal(name(networks.fromQuery(undefined)), 'mainnet');
    assert.equal(name(networks.pick(undefined)), 'mainnet');
    for (const ref of ['optimism', 10, 'Base', '0x2105', 8453.5, '', ' 8453']) assert.equal(networks.resolve(ref), undefined, String(ref));
    assert.deepEqual(networks.names, ['mainnet', 'base', 'arbitrum']);
  });

  it('names a lone network configured without NETWORKS once its providers tell the chain', () => {
    let chainId: number | undefined;
    const router = { chainId: () => chainId, network: () => (chainId === 1 ? 'mainnet' : undefined) } as unknown as Upstream;
    const lone: ServedNetwork = {
      get name() {
        return router.network() ?? 'unknown';
      },
      get chainId() {
        return router.chainId() ?? 0;
      },
      facts: ETHEREUM,
      router,
      reader: {} as BalanceReader,
      headMaxAgeMs: 1000,
    };
    const set = new Networks([lone], false);
    assert.equal(set.fromQuery('mainnet').ok, false);
    assert.equal(set.fromQuery('0').ok, false);
    assert.deepEqual(set.names, []);
    assert.equal(set.fromQuery(undefined).ok, true);
    chainId = 1;
    assert.equal(set.resolve('mainnet'), lone);
    assert.equal(set.resolve(1), lone);
    assert.equal(set.resolve('base'), undefined);
    assert.deepEqual(set.names, ['mainnet']);
  });
});
