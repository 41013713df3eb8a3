/**
 * The CPU part of a verified read as one serializable task, so it can run inline or on a piscina
 * worker (bench/verify.bench.ts measures both; bench/README.md has the numbers).
 */
import { verifyAccountProof } from './account-proof.js';

export interface ProofTask {
  readonly address: string;
  readonly stateRoot: string;
  /** The eth_getProof result as the provider sent it. */
  readonly proof: unknown;
}

/** Proven wei as a decimal string (bigints do not cross threads), or the ProofError's message. */
export type ProofTaskResult = { readonly wei: string; readonly exists: boolean; readonly proofBytes: number } | { readonly error: string };

export async function runProofTask(task: ProofTask): Promise<ProofTaskResult> {
  try {
    const proven = await verifyAccountProof(task.address, task.proof, task.stateRoot);
    return { wei: proven.wei.toString(10), exists: proven.exists, proofBytes: proven.proofBytes };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
