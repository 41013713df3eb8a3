/**
 * Header hashes and account proofs against a real anvil, and each lie of the fault proxy caught by
 * the check meant for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, WATCHED, type AnvilCluster } from '../testing/anvil-cluster.js';
import { startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { ProofError, verifyAccountProof } from './account-proof.js';
import { checkHeader, headerHash, HeaderError } from './header.js';

const ABSENT = '0x000000000000000000000000000000000000dEaD';
const CONTRACT = '0x4242424242424242424242424242424242424242';
/** Runtime code of a contract that returns 42: PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN. */
const CODE = '0x602a60005260206000f3';

let cluster: AnvilCluster;
let proxy: FaultProxy;

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const reply = (await res.json()) as { result?: T; error?: { message: string } };
  if (reply.error !== undefined) throw new Error(reply.error.message);
  return reply.result as T;
}

interface Block {
  hash: string;
  number: string;
  stateRoot: string;
}

before(async () => {
  cluster = await startCluster({ synced: 1 });
  const node = cluster.synced[0]!;
  // A contract with code and a balance, then blocks with transactions in them.
  await node.rpc('anvil_setCode', [CONTRACT, CODE]);
  await node.rpc('anvil_setBalance', [CONTRACT, '0x3039']);
  await cluster.mine();
  await cluster.mine();
  proxy = await startFaultProxy(node.url);
});
after(async () => {
  await proxy?.close();
  await cluster?.stop();
});

const latest = () => rpc<Block>(cluster.synced[0]!.url, 'eth_getBlockByNumber', ['latest', false]);
const proofAt = (url: string, address: string, hash: string) => rpc<unknown>(url, 'eth_getProof', [address, [], { blockHash: hash }]);

describe('header hash', () => {
  it('recomputes the hash of every block anvil mined, post-Prague fields included', async () => {
    const head = await latest();
    const hashes: [string, string][] = [];
    for (let n = 0n; n <= BigInt(head.number); n++) {
      const block = await rpc<Block & Record<string, unknown>>(cluster.synced[0]!.url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
      assert.ok(typeof block.requestsHash === 'string' && typeof block.parentBeaconBlockRoot === 'string', 'anvil serves Prague headers');
      hashes.push([block.hash, headerHash(block)]);
    }
    assert.deepEqual(hashes.map(([, computed]) => computed), hashes.map(([claimed]) => claimed));
  });

  /** A block as the proxy tampers it with `kind` (the proxy passes everything again afterwards). */
  const tampered = async (kind: 'state-root' | 'block-hash', method: string, params: unknown[]) => {
    proxy.set({ kind });
    const block = await rpc<Block>(proxy.url, method, params);
    proxy.set({ kind: 'pass' });
    return block;
  };

  it('accepts the header asked for and returns its state root', async () => {
    const head = await latest();
    const block = await rpc<unknown>(proxy.url, 'eth_getBlockByHash', [head.hash, false]);
    assert.deepEqual(checkHeader(block, head.hash), { hash: head.hash, number: BigInt(head.number), stateRoot: head.stateRoot });
  });

  it('refuses a header with another stateRoot under the real hash', async () => {
    const head = await latest();
    const block = await tampered('state-root', 'eth_getBlockByHash', [head.hash, false]);
    assert.notEqual(block.stateRoot, head.stateRoot);
    assert.throws(() => checkHeader(block, head.hash), HeaderError);
  });

  it('refuses a block whose claimed hash is not its header hash (another hash for a number)', async () => {
    const head = await latest();
    const block = await tampered('block-hash', 'eth_getBlockByNumber', [head.number, false]);
    assert.notEqual(block.hash, head.hash);
    assert.throws(() => checkHeader(block), /header hashes to 0x[0-9a-f]{64}, not to the 0x[0-9a-f]{64} hash it claims/);
  });

  it('refuses a real header that is not the block asked for', async () => {
    const head = await latest();
    const parent = await rpc<unknown>(cluster.synced[0]!.url, 'eth_getBlockByNumber', [`0x${(BigInt(head.number) - 1n).toString(16)}`, false]);
    assert.throws(() => checkHeader(parent, head.hash), /not to the requested/);
  });

  it('refuses headers with fork fields out of order or malformed', () => {
    const base = { parentHash: `0x${'1'.repeat(64)}` };
    assert.throws(() => headerHash(base), /sha3Uncles missing/);
  });
});

describe('account proof', () => {
  it('proves a funded account balance at a block', async () => {
    const head = await latest();
    const proven = await verifyAccountProof(WATCHED[1]!, await proofAt(proxy.url, WATCHED[1]!, head.hash), head.stateRoot);
    assert.equal(proven.wei, cluster.balanceAt(WATCHED[1]!, BigInt(head.number)));
    assert.equal(proven.exists, true);
    assert.ok(proven.proofBytes > 100);
  });

  it('proves 0 for an account that does not exist, by a valid exclusion proof', async () => {
    const head = await latest();
    const proven = await verifyAccountProof(ABSENT, await proofAt(proxy.url, ABSENT, head.hash), head.stateRoot);
    assert.deepEqual({ wei: proven.wei, exists: proven.exists }, { wei: 0n, exists: false });
  });

  it('verifies a contract account (code and balance)', async () => {
    const head = await latest();
    const result = (await proofAt(proxy.url, CONTRACT, head.hash)) as { codeHash: string };
    assert.notEqual(result.codeHash, '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470', 'the account has code');
    const proven = await verifyAccountProof(CONTRACT, result, head.stateRoot);
    assert.deepEqual({ wei: proven.wei, exists: proven.exists }, { wei: 0x3039n, exists: true });
  });

  it('refuses a proof whose claimed balance is not the proven one', async () => {
    const head = await latest();
    proxy.set({ kind: 'lie-balance' });
    const lied = await proofAt(proxy.url, WATCHED[1]!, head.hash);
    const getBalance = await rpc<string>(proxy.url, 'eth_getBalance', [WATCHED[1]!, { blockHash: head.hash }]);
    proxy.set({ kind: 'pass' });
    const truth = cluster.balanceAt(WATCHED[1]!, BigInt(head.number));
    assert.equal(BigInt(getBalance), truth + 10n ** 18n);
    await assert.rejects(verifyAccountProof(WATCHED[1]!, lied, head.stateRoot), /claims balance \d+ but its proof proves \d+/);
  });

  for (const address of [WATCHED[1]!, ABSENT]) {
    it(`refuses a forged proof node (${address === ABSENT ? 'absent' : 'funded'} account)`, async () => {
      const head = await latest();
      proxy.set({ kind: 'forge-proof' });
      const forged = await proofAt(proxy.url, address, head.hash);
      proxy.set({ kind: 'pass' });
      const honest = (await proofAt(proxy.url, address, head.hash)) as { accountProof: string[] };
      assert.notDeepEqual((forged as { accountProof: string[] }).accountProof, honest.accountProof);
      await assert.rejects(verifyAccountProof(address, forged, head.stateRoot), /does not verify against state root/);
    });
  }

  it('refuses an honest proof against another state root (the explicit root is what binds it)', async () => {
    const head = await latest();
    const parent = await rpc<Block>(cluster.synced[0]!.url, 'eth_getBlockByNumber', [`0x${(BigInt(head.number) - 1n).toString(16)}`, false]);
    await assert.rejects(verifyAccountProof(WATCHED[1]!, await proofAt(proxy.url, WATCHED[1]!, head.hash), parent.stateRoot), ProofError);
  });

  it('refuses an empty or malformed proof', async () => {
    const head = await latest();
    await assert.rejects(verifyAccountProof(ABSENT, { balance: '0x0', accountProof: [] }, head.stateRoot), /not a list of hex nodes/);
    await assert.rejects(verifyAccountProof(ABSENT, null, head.stateRoot), /no proof/);
  });
});
