/**
 * The CPU part of a verified read as one serializable task, so it can run inline or on the codec
 * pool's workers (src/codec/codec-pool.ts; bench/README.md has the measurements).
 */
import { ProofError, verifyAccountProof, type ProvenAccount } from './account-proof.js';

export interface ProofTask {
  readonly address: string;
  readonly stateRoot: string;
  /** The eth_getProof result as the provider sent it. */
  readonly proof: unknown;
}

/** Proven wei as a decimal string (bigints do not cross threads), or the ProofError's message. */
export type ProofTaskResult = { readonly wei: string; readonly exists: boolean; readonly proofBytes: number } | { readonly error: string };

/** A ProofError (the provider's lie) comes back as data; anything else is our bug and rejects as itself. */
export async function runProofTask(task: ProofTask): Promise<ProofTaskResult> {
  try {
    const proven = await verifyAccountProof(task.address, task.proof, task.stateRoot);
    return { wei: proven.wei.toString(10), exists: proven.exists, proofBytes: proven.proofBytes };
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    return { error: error.message };
  }
}

/** verifyAccountProof's signature: what the verified reader calls, inline or through a pool. */
export type ProofVerifier = (address: string, proof: unknown, stateRoot: string) => Promise<ProvenAccount>;

/** A ProofVerifier over `run` (e.g. the pool's): the same ProvenAccount, or the same ProofError. */
export function proofVerifier(run: (task: ProofTask) => Promise<ProofTaskResult>): ProofVerifier {
  return (address, proof, stateRoot) =>
    run({ address, stateRoot, proof }).then((result) => {
      if ('error' in result) throw new ProofError(result.error);
      return { wei: BigInt(result.wei), exists: result.exists, proofBytes: result.proofBytes };
    });
}
