import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { balanceBody } from './format.js';
import { balanceItem, balanceItems, balancesBody, bodyFromItem, bodyParts, checkAddresses } from './balances.js';

const A = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
const HASH = '0x' + 'cd'.repeat(32);

describe('batch codec', () => {
  it('formats an item with the same exact strings as the single route', () => {
    for (const wei of [0n, 1n, 136_500_000_000_000n, 10n ** 18n, 123_456_789_012_345_678_901_234n]) {
      const single = balanceBody(A, { name: 'mainnet', chainId: 1 }, wei, 1, { tag: 'latest', number: '0x1', hash: HASH });
      assert.deepEqual(JSON.parse(balanceItem(A, wei)), { address: A, balance: single.balance, balanceWei: single.balanceWei });
    }
  });

  it("makes the single route's exact body bytes alongside the item", () => {
    for (const [wei, latency] of [[0n, 0], [1n, 1.005], [136_500_000_000_000n, 12.3456], [2n ** 200n - 1n, 1000]] as const) {
      const at = { tag: 'finalized', number: '0x10', hash: HASH };
      const item = balanceItem(A, wei);
      const both = { item, body: bodyFromItem(item, bodyParts({ network: 'mainnet', chainId: 1, rpcLatencyMs: latency, at })) };
      assert.equal(both.body, JSON.stringify(balanceBody(A, { name: 'mainnet', chainId: 1 }, wei, latency, at)));
      assert.equal(both.item, balanceItem(A, wei));
      const proven = { body: bodyFromItem(item, bodyParts({ network: 'mainnet', chainId: 1, rpcLatencyMs: latency, at, stateRoot: HASH })) };
      assert.equal(proven.body, JSON.stringify(balanceBody(A, { name: 'mainnet', chainId: 1 }, wei, latency, at, { blockHash: HASH, stateRoot: HASH })));
    }
  });

  it('builds the whole answer with the items in order', () => {
    const items = balanceItems([A, A], ['1', '2']);
    const body = JSON.parse(balancesBody({ network: 'mainnet', chainId: 1, blockTag: 'safe', blockNumber: '0x10', blockHash: HASH, rpcLatencyMs: 1.234 }, items));
    assert.deepEqual(body, {
      network: 'mainnet',
      chainId: 1,
      blockTag: 'safe',
      blockNumber: '0x10',
      blockHash: HASH,
      headBlockNumber: '0x10',
      rpcLatencyMs: 1.23,
      verified: false,
      balances: [
        { address: A, balance: '0.000000000000000001', balanceWei: '1' },
        { address: A, balance: '0.000000000000000002', balanceWei: '2' },
      ],
    });
  });

  it('checks many addresses with the single route rules', () => {
    assert.deepEqual(
      checkAddresses([A, A.toLowerCase()], 'strict').map((c) => c.ok),
      [true, false],
    );
  });
});
