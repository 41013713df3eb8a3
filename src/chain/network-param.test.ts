import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetworkIndex } from './network-param.js';

const index = new NetworkIndex([
  { name: 'mainnet', chainId: 1 },
  { name: 'base', chainId: 8453 },
  { name: 'arbitrum', chainId: 42161 },
]);
const REFUSAL = 'is not served here: use one of mainnet, base, arbitrum or its decimal chain id';

describe('NetworkIndex', () => {
  it('answers the default network when the value is absent', () => {
    assert.deepEqual(index.fromQuery(undefined), { ok: true, network: { name: 'mainnet', chainId: 1 } });
    assert.deepEqual(index.fromJson(undefined), { ok: true, network: { name: 'mainnet', chainId: 1 } });
  });

  const query: [string, string | undefined][] = [
    ['base', 'base'],
    ['8453', 'base'],
    ['42161', 'arbitrum'],
    ['mainnet', 'mainnet'],
    ['1', 'mainnet'],
    ['Base', undefined],
    ['08453', undefined],
    ['0x2105', undefined],
    ['sepolia', undefined],
    ['11155111', undefined],
    ['', undefined],
    [' base', undefined],
  ];
  for (const [value, expected] of query) {
    it(`?network=${value} -> ${expected ?? 'refused'}`, () => {
      const pick = index.fromQuery(value);
      if (expected === undefined) assert.deepEqual(pick, { ok: false, detail: `network ${JSON.stringify(value)} ${REFUSAL}` });
      else assert.deepEqual(pick, { ok: true, network: index.networks.find((n) => n.name === expected) });
    });
  }

  const json: [unknown, string | undefined, string?][] = [
    ['base', 'base'],
    [8453, 'base'],
    ['8453', 'base'],
    [42161, 'arbitrum'],
    [8453.5, undefined, '8453.5'],
    [-1, undefined, '-1'],
    [0, undefined, '0'],
    [1e300, undefined, '1e+300'],
    [10, undefined, '10'],
    [null, undefined, 'of type null'],
    [true, undefined, 'of type boolean'],
    [['base'], undefined, 'of type object'],
    [{ name: 'base' }, undefined, 'of type object'],
  ];
  for (const [value, expected, shown] of json) {
    it(`"network": ${JSON.stringify(value)} -> ${expected ?? 'refused'}`, () => {
      const pick = index.fromJson(value);
      if (expected === undefined) assert.deepEqual(pick, { ok: false, detail: `network ${shown} ${REFUSAL}` });
      else assert.deepEqual(pick, { ok: true, network: index.networks.find((n) => n.name === expected) });
    });
  }

  it('quotes a long or control-laden value cut short', () => {
    const pick = index.fromQuery(`${'x'.repeat(100)}\n`);
    assert.deepEqual(pick, { ok: false, detail: `network "${'x'.repeat(70)}..." ${REFUSAL}` });
    assert.deepEqual(index.fromQuery('a\u0000b'), { ok: false, detail: `network "a?b" ${REFUSAL}` });
  });
});
