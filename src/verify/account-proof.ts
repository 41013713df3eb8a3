/**
 * EIP-1186 account proofs (eth_getProof) checked against a state root the caller already trusts.
 *
 * @ethereumjs/mpt's verifyMerkleProof walks the proof from the root: each node must hash to the
 * reference its parent holds, the first to `root`. It must get `root` explicitly: without it the
 * first node becomes the root, and any self-consistent proof passes. The balance comes from the
 * proven account only; 0 only when the proof proves the account absent. The provider's own
 * `balance` field must agree with what its proof proves, or the provider lied.
 */
import { verifyMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { keccak256 } from '../codec/keccak.js';

export interface ProvenAccount {
  readonly wei: bigint;
  /** false: proven absent (balance 0). */
  readonly exists: boolean;
  /** Bytes of the proof nodes (what a verified read downloads beyond a balance). */
  readonly proofBytes: number;
}

export class ProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProofError';
  }
}

const HASH = /^0x[0-9a-f]{64}$/i;
const ADDRESS = /^0x[0-9a-f]{40}$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;
const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;

/**
 * The balance `address` has in the state with root `stateRoot`, from an eth_getProof result.
 * Throws ProofError when the proof does not verify or the answer claims another balance.
 */
export async function verifyAccountProof(address: string, result: unknown, stateRoot: string): Promise<ProvenAccount> {
  if (!ADDRESS.test(address)) throw new ProofError(`not an address: ${address}`);
  if (!HASH.test(stateRoot)) throw new ProofError(`not a state root: ${stateRoot}`);
  if (result === null || typeof result !== 'object') throw new ProofError('no proof in the answer');
  const { accountProof, balance } = result as { accountProof?: unknown; balance?: unknown };
  if (!Array.isArray(accountProof) || accountProof.length === 0 || !accountProof.every((n) => typeof n === 'string' && DATA.test(n) && n.length > 2)) {
    throw new ProofError('accountProof is not a list of hex nodes');
  }
  if (typeof balance !== 'string' || !QUANTITY.test(balance)) throw new ProofError('balance is not a quantity');
  const nodes = (accountProof as string[]).map((n) => hexToBytes(n.slice(2)));
  let value: Uint8Array | null;
  try {
    value = await verifyMerkleProof(hexToBytes(address.slice(2)), nodes, {
      root: hexToBytes(stateRoot.slice(2)),
      useKeyHashing: true,
      // Hashes the key and every node: the WebAssembly keccak is ~10x the JavaScript default here.
      useKeyHashingFunction: keccak256,
    });
  } catch (error) {
    throw new ProofError(`account proof does not verify against state root ${stateRoot.toLowerCase()}: ${(error as Error).message}`);
  }
  const proofBytes = nodes.reduce((sum, n) => sum + n.length, 0);
  const wei = value === null ? 0n : accountBalance(value);
  const claimed = BigInt(balance);
  if (claimed !== wei) throw new ProofError(`claims balance ${claimed} but its proof proves ${wei}`);
  return { wei, exists: value !== null, proofBytes };
}

/** Balance of an RLP account [nonce, balance, storageRoot, codeHash]. */
function accountBalance(rlp: Uint8Array): bigint {
  let decoded: unknown;
  try {
    decoded = RLP.decode(rlp);
  } catch (error) {
    throw new ProofError(`proven account is not RLP: ${(error as Error).message}`);
  }
  if (!Array.isArray(decoded) || decoded.length !== 4 || !(decoded[1] instanceof Uint8Array)) throw new ProofError('proven account is not [nonce, balance, storageRoot, codeHash]');
  const balance = decoded[1];
  return balance.length === 0 ? 0n : BigInt(`0x${bytesToHex(balance)}`);
}
