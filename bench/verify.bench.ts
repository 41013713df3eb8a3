/**
 * Verification micro-benchmarks, each against its alternative in the same run:
 * - keccak256 of a 532-byte node: hash-wasm (src/codec/keccak.ts) vs @noble/hashes;
 * - header hash: @ethereumjs/rlp + hash-wasm keccak (src/verify/header.ts) vs the same with
 *   @noble/hashes keccak vs ethers' encodeRlp + keccak vs @ethereumjs/block
 *   createBlockHeaderFromRPC().hash(), on a real Prague header from anvil;
 * - account proof: @ethereumjs/mpt verifyMerkleProof with an explicit root (hash-wasm keccak, and
 *   its default @noble keccak on the deepest proof), on anvil's proofs (a
 *   tiny state: 3 nodes) and on a synthetic state trie of `accounts` accounts (deeper, closer to
 *   mainnet's ~8 branch levels);
 * - where it runs: a proof check inline on the main thread vs on a piscina worker, alone (c=1) and
 *   as a burst of concurrent reads.
 * Also reports proof bytes per read.
 */
import { randomBytes } from 'node:crypto';
import { createBlockHeaderFromRPC } from '@ethereumjs/block';
import { MerklePatriciaTrie, createMerkleProof, verifyMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { encodeRlp, getBytes, toBeHex } from 'ethers';
import { Bench } from 'tinybench';
import { startCluster, WATCHED } from '../src/testing/anvil-cluster.js';
import { verifyAccountProof } from '../src/verify/account-proof.js';
import { checkHeader, headerFields, headerHash } from '../src/verify/header.js';
import { keccak256 } from '../src/codec/keccak.js';
import { PooledCodec } from '../src/codec/codec-pool.js';
import { runProofTask, type ProofTask, type ProofTaskResult } from '../src/verify/proof-task.js';
import { summarizeBench, type BenchRow } from './bench-table.js';

export interface VerifyBenchOptions {
  readonly time: number;
  readonly workers: number;
  readonly burst: number;
  /** Accounts in the synthetic state trie. */
  readonly accounts: number;
}

export interface VerifyBenchResult {
  readonly keccak: BenchRow[];
  readonly header: BenchRow[];
  readonly proof: BenchRow[];
  readonly single: BenchRow[];
  readonly burst: BenchRow[];
  readonly proofBytes: Record<string, { nodes: number; bytes: number }>;
}

interface Fixtures {
  readonly block: Record<string, unknown>;
  readonly anvilProof: ProofTask;
  readonly absentProof: ProofTask;
  readonly deepProof: ProofTask;
}

async function fixtures(accounts: number): Promise<Fixtures> {
  const cluster = await startCluster({ synced: 1 });
  try {
    for (let i = 0; i < 3; i++) await cluster.mine();
    const node = cluster.synced[0]!;
    const block = await node.rpc<Record<string, unknown>>('eth_getBlockByNumber', ['latest', false]);
    const at = { blockHash: block.hash };
    const stateRoot = block.stateRoot as string;
    const absent = '0x000000000000000000000000000000000000dead';
    return {
      block,
      anvilProof: { address: WATCHED[1]!, stateRoot, proof: await node.rpc('eth_getProof', [WATCHED[1]!, [], at]) },
      absentProof: { address: absent, stateRoot, proof: await node.rpc('eth_getProof', [absent, [], at]) },
      deepProof: await syntheticProof(accounts),
    };
  } finally {
    await cluster.stop();
  }
}

/** An account proof from a state trie of `accounts` random accounts. */
async function syntheticProof(accounts: number): Promise<ProofTask> {
  const trie = new MerklePatriciaTrie({ useKeyHashing: true });
  const empty = `0x${'56'.repeat(32)}`;
  const noCode = `0x${'c5'.repeat(32)}`;
  let target: Uint8Array | undefined;
  const ops = Array.from({ length: accounts }, (_, i) => {
    const key = randomBytes(20);
    target ??= key;
    return { type: 'put' as const, key, value: getBytes(encodeRlp(['0x01', toBeHex(BigInt(i + 1) * 10n ** 15n), empty, noCode])) };
  });
  await trie.batch(ops);
  const proof = await createMerkleProof(trie, target!);
  return {
    address: `0x${bytesToHex(target!)}`,
    stateRoot: `0x${bytesToHex(trie.root())}`,
    proof: { balance: '0x38d7ea4c68000', accountProof: proof.map((n) => `0x${bytesToHex(n)}`) },
  };
}

export async function runVerifyBench(options: VerifyBenchOptions): Promise<VerifyBenchResult> {
  const f = await fixtures(options.accounts);
  // @ethereumjs/common's default hardfork is Prague, what anvil mines.
  const ejsHash = () => `0x${bytesToHex(createBlockHeaderFromRPC(f.block as never, { skipConsensusFormatValidation: true }).hash())}`;
  const ethersHash = () => `0x${bytesToHex(keccak_256(hexToBytes(encodeRlp(headerFields(f.block)).slice(2))))}`;
  const nobleHash = () => `0x${bytesToHex(keccak_256(RLP.encode(headerFields(f.block).map((h) => hexToBytes(h.slice(2))))))}`;
  // All must agree with the hash anvil gave, or the comparison means nothing.
  if (ejsHash() !== f.block.hash || ethersHash() !== f.block.hash || nobleHash() !== f.block.hash || headerHash(f.block) !== f.block.hash) throw new Error('header hash implementations disagree with anvil');
  for (const t of [f.anvilProof, f.absentProof, f.deepProof]) {
    const r = await runProofTask(t);
    if ('error' in r) throw new Error(`fixture proof does not verify: ${r.error}`);
  }

  const warmupTime = Math.min(200, options.time);
  const node = new Uint8Array(532).fill(0x5a);
  const keccak = new Bench({ name: 'keccak256 of a 532-byte proof node', time: options.time, warmupTime });
  keccak.add('hash-wasm (ours)', () => void keccak256(node)).add('@noble/hashes keccak_256', () => void keccak_256(node));
  await keccak.run();

  const header = new Bench({ name: 'header hash check (one Prague header)', time: options.time, warmupTime });
  header
    .add('@ethereumjs/rlp + hash-wasm keccak (ours)', () => void headerHash(f.block))
    .add('@ethereumjs/rlp + @noble keccak', () => void nobleHash())
    .add('ethers encodeRlp + @noble keccak', () => void ethersHash())
    .add('@ethereumjs/block createBlockHeaderFromRPC().hash()', () => void ejsHash())
    .add('checkHeader (ours: hash + claimed + requested)', () => void checkHeader(f.block, f.block.hash as string));
  await header.run();

  const proof = new Bench({ name: 'account proof check (@ethereumjs/mpt, explicit root)', time: options.time, warmupTime });
  const nodes = (t: ProofTask) => (t.proof as { accountProof: string[] }).accountProof.length;
  proof
    .add(`anvil account (${nodes(f.anvilProof)} nodes)`, () => verifyAccountProof(f.anvilProof.address, f.anvilProof.proof, f.anvilProof.stateRoot).then(() => undefined))
    .add(`anvil absent account (${nodes(f.absentProof)} nodes)`, () => verifyAccountProof(f.absentProof.address, f.absentProof.proof, f.absentProof.stateRoot).then(() => undefined))
    .add(`synthetic ${options.accounts}-account state (${nodes(f.deepProof)} nodes)`, () =>
      verifyAccountProof(f.deepProof.address, f.deepProof.proof, f.deepProof.stateRoot).then(() => undefined),
    )
    .add(`same, @ethereumjs/mpt's default @noble keccak`, () => {
      const list = (f.deepProof.proof as { accountProof: string[] }).accountProof.map((n) => hexToBytes(n.slice(2)));
      return verifyMerkleProof(hexToBytes(f.deepProof.address.slice(2)), list, { root: hexToBytes(f.deepProof.stateRoot.slice(2)), useKeyHashing: true }).then(() => undefined);
    });
  await proof.run();

  // The service's own pool: a turn's proof checks travel to the workers as one message each.
  const pool = new PooledCodec(options.workers);
  const pooled = (t: ProofTask): Promise<ProofTaskResult> => pool.run({ kind: 'proof', ...t });
  try {
    await Promise.all(Array.from({ length: options.workers * 4 }, () => pooled(f.deepProof)));
    const single = new Bench({ name: 'one proof check at a time (c=1, synthetic proof)', time: options.time, warmupTime });
    single
      .add('inline', () => runProofTask(f.deepProof).then(() => undefined))
      .add(`piscina (${options.workers} workers)`, () => pooled(f.deepProof).then(() => undefined));
    await single.run();

    const burst = new Bench({ name: `burst of ${options.burst} proof checks (synthetic proof)`, time: options.time, warmupTime });
    const many = (run: (t: ProofTask) => Promise<unknown>) => () => Promise.all(Array.from({ length: options.burst }, () => run(f.deepProof))).then(() => undefined);
    burst.add('inline', many(runProofTask)).add(`piscina (${options.workers} workers)`, many(pooled));
    await burst.run();

    const bytes = (t: ProofTask) => {
      const list = (t.proof as { accountProof: string[] }).accountProof;
      return { nodes: list.length, bytes: list.reduce((sum, n) => sum + (n.length - 2) / 2, 0) };
    };
    return {
      keccak: summarizeBench(keccak, 1, 'hash-wasm (ours)'),
      header: summarizeBench(header, 1, '@ethereumjs/rlp + hash-wasm keccak (ours)'),
      proof: summarizeBench(proof, 1),
      single: summarizeBench(single, 1, 'inline'),
      burst: summarizeBench(burst, options.burst, 'inline'),
      proofBytes: {
        'anvil account': bytes(f.anvilProof),
        'anvil absent account': bytes(f.absentProof),
        [`synthetic ${options.accounts}-account state`]: bytes(f.deepProof),
      },
    };
  } finally {
    await pool.close();
  }
}
