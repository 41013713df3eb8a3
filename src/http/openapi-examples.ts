/**
 * Example bodies of the OpenAPI document, so the reference shows real answers: the seed example
 * address (the one the original service's README used, with the balance `npm start` seeds it
 * with) and a batch. Tests check each against its schema (openapi.test.ts).
 */
export const SEED_ADDRESS = '0xc94770007dda54cF92009BFF0dE90c06F603a09f';
/** A second address of the batch example (EIP-55's own test vector). */
const OTHER_ADDRESS = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const BLOCK = { blockNumber: '0x1588a5c', blockHash: '0x4e3a3754410177e6937ef1f84bba68ea139e8d1a2258c5f85db9f1cd715a1bdd', headBlockNumber: '0x1588a5c' };

export const SEED_BALANCE = {
  address: SEED_ADDRESS,
  network: 'mainnet',
  chainId: 1,
  blockTag: 'latest',
  ...BLOCK,
  balance: '0.0001365',
  balanceWei: '136500000000000',
  rpcLatencyMs: 41.7,
  verified: false,
};

export const BATCH_REQUEST = { addresses: [SEED_ADDRESS, OTHER_ADDRESS], blockTag: 'latest' };

export const BATCH_ANSWER = {
  network: 'mainnet',
  chainId: 1,
  blockTag: 'latest',
  ...BLOCK,
  rpcLatencyMs: 52.3,
  balances: [
    { address: SEED_ADDRESS, balance: '0.0001365', balanceWei: '136500000000000' },
    { address: OTHER_ADDRESS, balance: '0.0', balanceWei: '0' },
  ],
};
