import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEther, parseEther } from 'ethers';
import { balanceBody, weiToEther } from './format.js';

const HASH = `0x${'ab'.repeat(32)}`;

describe('weiToEther', () => {
  const cases: [bigint, string][] = [
    [136_500_000_000_000n, '0.0001365'],
    [0n, '0.0'],
    [1n, '0.000000000000000001'],
    [10n ** 18n, '1.0'],
    [123_456_789_000_000_000_000_000n, '123456.789'],
  ];
  for (const [wei, ether] of cases) {
    it(`${wei} wei -> ${ether}`, () => assert.equal(weiToEther(wei), ether));
  }

  it("gives ethers' formatEther strings for the edge cases and 20,000 random values up to 2^256-1", () => {
    const values = [2n ** 256n - 1n, 10n ** 18n - 1n, 10n ** 18n + 1n, 10n ** 30n, 10n ** 77n, 999n];
    for (let i = 0; i < 20_000; i++) {
      const digits = 1 + Math.floor(Math.random() * 77);
      let text = '';
      for (let j = 0; j < digits; j++) text += Math.floor(Math.random() * 10);
      // A third end in zeros: the trailing-zero trimming of the fraction.
      values.push(BigInt(i % 3 === 0 ? `${text}${'0'.repeat(1 + (i % 19))}` : text));
    }
    for (const wei of values) assert.equal(weiToEther(wei), formatEther(wei), `${wei} wei`);
  });

  it('round-trips 2^200-1 wei exactly', () => {
    const wei = 2n ** 200n - 1n;
    assert.equal(parseEther(weiToEther(wei)), wei);
  });
});

describe('balanceBody', () => {
  it('builds the seed contract with decimal strings, never floats', () => {
    const wei = 2n ** 200n - 1n;
    const body = balanceBody('0xc94770007dda54cF92009BFF0dE90c06F603a09f', { name: 'mainnet', chainId: 1 }, wei, 12.3456, { tag: 'latest', number: '0x10', hash: HASH });
    assert.deepEqual(JSON.parse(JSON.stringify(body)), {
      address: '0xc94770007dda54cF92009BFF0dE90c06F603a09f',
      network: 'mainnet',
      chainId: 1,
      blockTag: 'latest',
      balance: weiToEther(wei),
      balanceWei: '1606938044258990275541962092341162602522202993782792835301375',
      rpcLatencyMs: 12.35,
      headBlockNumber: '0x10',
      blockNumber: '0x10',
      blockHash: HASH,
      verified: false,
    });
  });
});
