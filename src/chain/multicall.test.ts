import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbiCoder, getAddress, Interface } from 'ethers';
import { decodeBalances, encodeBalances, MULTICALL3, NO_CONTRACT } from './multicall.js';

// ethers' ABI coder as the independent reference for Multicall3's interface.
const multicall = new Interface([
  'function aggregate((address target, bytes callData)[] calls) payable returns (uint256 blockNumber, bytes[] returnData)',
  'function getEthBalance(address addr) view returns (uint256 balance)',
]);
const addresses = ['0xc94770007dda54cF92009BFF0dE90c06F603a09f', '0x' + '0'.repeat(40), '0x' + 'f'.repeat(40), getAddress('0x' + '12ab'.repeat(10))];

/** What Multicall3 answers: the block number and each getEthBalance result. */
function answer(blockNumber: bigint, balances: readonly bigint[]): string {
  const returnData = balances.map((b) => AbiCoder.defaultAbiCoder().encode(['uint256'], [b]));
  return multicall.encodeFunctionResult('aggregate', [blockNumber, returnData]);
}

describe('Multicall3 balances', () => {
  it('encodes aggregate(getEthBalance...) exactly as ethers does', () => {
    for (const list of [addresses, addresses.slice(0, 1), Array.from({ length: 100 }, (_, i) => getAddress(`0x${(i * 7919).toString(16).padStart(40, '0')}`))]) {
      const calls = list.map((a) => ({ target: MULTICALL3, callData: multicall.encodeFunctionData('getEthBalance', [a]) }));
      assert.equal(encodeBalances(list), multicall.encodeFunctionData('aggregate', [calls]));
    }
  });

  it('decodes the balances in order, up to 2^256-1', () => {
    const balances = [0n, 1n, 136_500_000_000_000n, 2n ** 256n - 1n];
    assert.deepEqual(decodeBalances(answer(19_000_000n, balances), 4, 19_000_000n), balances);
    assert.deepEqual(decodeBalances(answer(7n, balances).toUpperCase().replace('0X', '0x'), 4, 7n), balances);
  });

  it('tells "no contract at this block" (0x) from a malformed answer', () => {
    assert.equal(decodeBalances('0x', 2, 1n), NO_CONTRACT);
    const good = answer(5n, [1n, 2n]);
    const cases: [string, unknown, number, bigint][] = [
      ['another block', good, 2, 6n],
      ['fewer results than asked', good, 3, 5n],
      ['more results than asked', good, 1, 5n],
      ['not a string', 5, 2, 5n],
      ['no 0x', good.slice(2), 2, 5n],
      ['a non-hex digit', good.slice(0, -1) + 'g', 2, 5n],
      ['a truncated word', good.slice(0, -2), 2, 5n],
      ['an element of another length', answer(5n, [1n, 2n]).replace(/0{62}20(?=0{63}1)/, '0'.repeat(62) + '40'), 2, 5n],
    ];
    for (const [name, result, count, block] of cases) assert.equal(decodeBalances(result, count, block), undefined, name);
    // Another layout of the same values (offsets not where aggregate puts them) is refused too.
    const shifted = multicall.encodeFunctionResult('aggregate', [5n, ['0x' + '00'.repeat(31) + '01', '0x' + '00'.repeat(32) + '02']]);
    assert.equal(decodeBalances(shifted, 2, 5n), undefined);
  });
});
